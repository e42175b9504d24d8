package sim

import (
	"context"
	"syscall"
	"time"

	"github.com/inosim/inosim/eventpoll"
	"github.com/inosim/inosim/internal/wait"
	"github.com/inosim/inosim/uapi"
	"github.com/inosim/inosim/vfs"
)

// EpollEvent is struct epoll_event.
type EpollEvent = eventpoll.Event

// PollFd is struct pollfd.
type PollFd struct {
	Fd      int32
	Events  int16
	Revents int16
}

// Forever is the timeout of a wait that has none (epoll_wait's and poll's
// -1).
const Forever = wait.Forever

// Timeout converts a millisecond timeout of epoll_wait or poll (negative:
// none) to the duration the simulator's waits take.
func Timeout(msec int) time.Duration {
	if msec < 0 {
		return Forever
	}
	return time.Duration(msec) * time.Millisecond
}

// EpollCreate1 is epoll_create1(2): flags 0 or EPOLL_CLOEXEC (else EINVAL).
func (t *Task) EpollCreate1(flags int) (int, error) {
	t.enter("epoll_create1")
	defer t.exit()
	if flags&^uapi.EPOLL_CLOEXEC != 0 {
		return -1, syscall.EINVAL
	}
	f := eventpoll.New(t.cur, t.k.vfs, t.k.vfs.NewID())
	fd, err := t.InstallFile(f, flags&uapi.EPOLL_CLOEXEC != 0)
	if err != nil {
		vfs.Fput(t.cur, f)
		return -1, err
	}
	return fd, nil
}

// EpollCtl is epoll_ctl(2); ev may be nil for EPOLL_CTL_DEL.
func (t *Task) EpollCtl(epfd, op, fd int, ev *EpollEvent) error {
	t.enter("epoll_ctl")
	defer t.exit()
	if op != uapi.EPOLL_CTL_DEL && ev == nil {
		return syscall.EFAULT
	}
	return t.withFile(epfd, func(epf *vfs.File) error {
		return t.withFile(fd, func(tf *vfs.File) error {
			return eventpoll.Ctl(t.cur, epf, op, fd, tf, ev)
		})
	})
}

// EpollWait is epoll_wait(2) for at most max events, sleeping at most
// timeout (Forever: no limit; 0: no sleep). ctx's end is a signal (EINTR);
// it may carry sleep hooks (package internal/wait).
func (t *Task) EpollWait(ctx context.Context, epfd, max int, timeout time.Duration) ([]EpollEvent, error) {
	t.enter("epoll_wait")
	defer t.exit()
	if max <= 0 || max > eventpoll.EP_MAX_EVENTS {
		return nil, syscall.EINVAL
	}
	var out []EpollEvent
	err := t.withFile(epfd, func(epf *vfs.File) (err error) {
		out, err = eventpoll.Wait(ctx, t.cur, epf, max, timeout)
		return err
	})
	return out, err
}

// Ppoll is poll(2) with its timeout as a duration (Forever: none): it
// fills each Revents and returns how many are non-zero. A negative fd is
// skipped; an fd not open gets POLLNVAL; a file without a poll operation
// is always ready (DEFAULT_POLLMASK). EINTR when ctx ends while asleep.
func (t *Task) Ppoll(ctx context.Context, fds []PollFd, timeout time.Duration) (int, error) {
	t.enter("poll")
	defer t.exit()
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	for {
		n, chans, done := t.pollOnce(fds)
		if n > 0 || timeout == 0 {
			done()
			return n, nil
		}
		left := Forever
		if timeout > 0 {
			left = max(time.Until(deadline), 0)
		}
		why := wait.Schedule(ctx, t.cur, chans, left)
		done()
		switch why {
		case wait.Interrupted:
			return 0, syscall.EINTR
		case wait.TimedOut:
			timeout = 0
		}
	}
}

// pollOnce is do_pollfd over every entry: the count of ready entries, the
// wake-up channels of the files polled and the function that removes the
// entries (poll_freewait).
func (t *Task) pollOnce(fds []PollFd) (int, []<-chan struct{}, func()) {
	var chans []<-chan struct{}
	var dones []func()
	n := 0
	for i := range fds {
		p := &fds[i]
		p.Revents = 0
		if p.Fd < 0 {
			continue
		}
		f, err := t.Fget(int(p.Fd))
		if err != nil {
			p.Revents = uapi.POLLNVAL
			n++
			continue
		}
		events := uint32(uint16(p.Events)) | uapi.POLLERR | uapi.POLLHUP
		mask, wake, done, _ := vfs.PollFile(t.cur, f, events)
		if wake != nil {
			chans = append(chans, wake)
		}
		// __pollwait keeps the file until poll_freewait.
		dones = append(dones, func() {
			if done != nil {
				done(t.cur)
			}
			vfs.Fput(t.cur, f)
		})
		if r := mask & events; r != 0 {
			p.Revents = int16(r)
			n++
		}
	}
	return n, chans, func() {
		for _, d := range dones {
			d()
		}
	}
}
