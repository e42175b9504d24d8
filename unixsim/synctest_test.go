package unixsim_test

import (
	"context"
	"encoding/binary"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"golang.org/x/sys/unix"

	"github.com/inosim/inosim/sim"
	"github.com/inosim/inosim/simtest"
	"github.com/inosim/inosim/unixsim"
)

// newSim boots a kernel inside the calling bubble, with /w.
func newSim(t *testing.T) (*sim.Kernel, *unixsim.Sim) {
	k := sim.NewKernel()
	task := k.NewTask(0, 0)
	must(t, task.Mkdir("/w", 0o755))
	return k, unixsim.New(task)
}

// TestTimeoutsOnFakeClock: epoll_wait's and poll's timeouts are Go timers,
// so inside a bubble they take no real time and exactly the fake time.
func TestTimeoutsOnFakeClock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		k, sys := newSim(t)
		defer simtest.CheckClean(t, k)
		ep, err := sys.EpollCreate1(0)
		must(t, err)
		in, err := sys.InotifyInit1(unix.IN_NONBLOCK)
		must(t, err)
		must(t, sys.EpollCtl(ep, unix.EPOLL_CTL_ADD, in, &unix.EpollEvent{Events: unix.EPOLLIN}))
		start := time.Now()
		n, err := sys.EpollWait(ep, make([]unix.EpollEvent, 1), 5000)
		if n != 0 || err != nil || time.Since(start) != 5*time.Second {
			t.Errorf("epoll_wait: %d %v after %v, want 0 after 5s", n, err, time.Since(start))
		}
		start = time.Now()
		n, err = sys.Poll([]unix.PollFd{{Fd: int32(in), Events: unix.POLLIN}}, 250)
		if n != 0 || err != nil || time.Since(start) != 250*time.Millisecond {
			t.Errorf("poll: %d %v after %v, want 0 after 250ms", n, err, time.Since(start))
		}
		sys.Close(in)
		sys.Close(ep)
	})
}

// TestWakeBeforeTimeout: an event queued by another goroutine wakes a
// sleeping epoll_wait at that moment of fake time.
func TestWakeBeforeTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		k, sys := newSim(t)
		defer simtest.CheckClean(t, k)
		in, err := sys.InotifyInit1(unix.IN_NONBLOCK)
		must(t, err)
		_, err = sys.InotifyAddWatch(in, "/w", unix.IN_CREATE)
		must(t, err)
		ep, err := sys.EpollCreate1(0)
		must(t, err)
		must(t, sys.EpollCtl(ep, unix.EPOLL_CTL_ADD, in, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(in)}))
		start := time.Now()
		go func() {
			time.Sleep(time.Second)
			must(t, sys.Mkdir("/w/d", 0o755))
		}()
		evs := make([]unix.EpollEvent, 1)
		n, err := sys.EpollWait(ep, evs, 60_000)
		if n != 1 || err != nil || int(evs[0].Fd) != in || time.Since(start) != time.Second {
			t.Errorf("epoll_wait: %d %v %+v after %v, want the fd after 1s", n, err, evs[0], time.Since(start))
		}
		synctest.Wait()
		sys.Close(in)
		sys.Close(ep)
	})
}

// TestCloseDoesNotWakeRead: as on Linux, closing the fd a read sleeps on
// does not wake it (the read holds the file); the next event does.
func TestCloseDoesNotWakeRead(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		k, sys := newSim(t)
		defer simtest.CheckClean(t, k)
		in, err := sys.InotifyInit1(0) // blocking
		must(t, err)
		_, err = sys.InotifyAddWatch(in, "/w", unix.IN_CREATE)
		must(t, err)
		got := make(chan int, 1)
		go func() {
			n, err := sys.Read(in, make([]byte, 4096))
			if err != nil {
				t.Error(err)
			}
			got <- n
		}()
		synctest.Wait() // the reader sleeps
		must(t, sys.Close(in))
		synctest.Wait()
		select {
		case n := <-got:
			t.Fatalf("the close woke the read (%d bytes)", n)
		default:
		}
		must(t, sys.Mkdir("/w/d", 0o755)) // the instance lives on in the read's file
		if n := <-got; n != 32 {
			t.Errorf("read %d bytes, want one 32-byte event", n)
		}
	})
}

// TestSignalInterrupts: a sleeping call of a WithContext double returns
// EINTR when its context ends, the simulator's signal.
func TestSignalInterrupts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		k, sys := newSim(t)
		defer simtest.CheckClean(t, k)
		ctx, cancel := context.WithCancel(context.Background())
		p := make([]int, 2)
		must(t, sys.Pipe2(p, 0))
		errc := make(chan error)
		go func() {
			_, err := sys.WithContext(ctx).Read(p[0], make([]byte, 8))
			errc <- err
		}()
		synctest.Wait()
		cancel()
		if err := <-errc; !errors.Is(err, unix.EINTR) {
			t.Errorf("read: %v, want EINTR", err)
		}
		sys.Close(p[0])
		sys.Close(p[1])
	})
}

// TestBlockingPipeAndEventfd: blocking reads wake when the other side
// writes; a full pipe's blocking write wakes when the reader reads.
func TestBlockingPipeAndEventfd(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		k, sys := newSim(t)
		defer simtest.CheckClean(t, k)
		p := make([]int, 2)
		must(t, sys.Pipe2(p, 0))
		efd, err := sys.Eventfd(0, unix.EFD_SEMAPHORE)
		must(t, err)
		done := make(chan struct{})
		go func() {
			defer close(done)
			b := make([]byte, 8)
			if n, err := sys.Read(efd, b); err != nil || n != 8 || binary.NativeEndian.Uint64(b) != 1 {
				t.Errorf("eventfd read: %d %v %v", n, err, b)
			}
			if n, err := sys.Write(p[1], make([]byte, 70000)); err != nil || n != 70000 {
				t.Errorf("pipe write: %d %v", n, err)
			}
		}()
		synctest.Wait()
		_, err = sys.Write(efd, binary.NativeEndian.AppendUint64(nil, 2))
		must(t, err)
		total := 0
		for total < 70000 {
			n, err := sys.Read(p[0], make([]byte, 10000))
			must(t, err)
			total += n
		}
		<-done
		for _, fd := range []int{p[0], p[1], efd} {
			sys.Close(fd)
		}
	})
}
