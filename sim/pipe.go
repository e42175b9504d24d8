package sim

import (
	"context"
	"syscall"

	"github.com/inosim/inosim/uapi"
	"github.com/inosim/inosim/vfs"
)

// Pipe2 is pipe2(2): the read and write ends. flags: O_NONBLOCK,
// O_CLOEXEC, O_DIRECT (accepted, a byte stream all the same); others
// EINVAL.
func (t *Task) Pipe2(flags int) ([2]int, error) {
	t.enter("pipe2")
	defer t.exit()
	if flags&^(uapi.O_NONBLOCK|uapi.O_CLOEXEC|uapi.O_DIRECT) != 0 {
		return [2]int{-1, -1}, syscall.EINVAL
	}
	r, w := t.k.vfs.NewPipe(t.cur, flags)
	cloexec := flags&uapi.O_CLOEXEC != 0
	rfd, err := t.InstallFile(r, cloexec)
	if err != nil {
		vfs.Fput(t.cur, r)
		vfs.Fput(t.cur, w)
		return [2]int{-1, -1}, err
	}
	wfd, err := t.InstallFile(w, cloexec)
	if err != nil {
		t.closeFd(rfd)
		vfs.Fput(t.cur, w)
		return [2]int{-1, -1}, err
	}
	return [2]int{rfd, wfd}, nil
}

// Eventfd is eventfd2(2). flags: EFD_SEMAPHORE, EFD_NONBLOCK, EFD_CLOEXEC;
// others EINVAL.
func (t *Task) Eventfd(initval uint, flags int) (int, error) {
	t.enter("eventfd2")
	defer t.exit()
	if flags&^(uapi.EFD_SEMAPHORE|uapi.EFD_NONBLOCK|uapi.EFD_CLOEXEC) != 0 {
		return -1, syscall.EINVAL
	}
	f := t.k.vfs.NewEventfd(t.cur, uint64(initval), flags)
	fd, err := t.InstallFile(f, flags&uapi.EFD_CLOEXEC != 0)
	if err != nil {
		vfs.Fput(t.cur, f)
		return -1, err
	}
	return fd, nil
}

// WriteContext is Write with a context for a file whose write may block
// (a full pipe, an eventfd at its limit); ctx's end is a signal (EINTR)
// and it may carry sleep hooks.
func (t *Task) WriteContext(ctx context.Context, fd int, data []byte) (int, error) {
	t.enter("write")
	defer t.exit()
	var n int
	err := t.withFile(fd, func(f *vfs.File) (err error) {
		n, err = t.k.vfs.WriteFile(ctx, t.ctx, f, data)
		return err
	})
	return n, err
}

// Fcntl is fcntl(2) for F_GETFD, F_SETFD (FD_CLOEXEC), F_GETFL and F_SETFL
// (which changes only O_APPEND, O_NONBLOCK, O_ASYNC, O_DIRECT and
// O_NOATIME); other commands EINVAL.
func (t *Task) Fcntl(fd, cmd, arg int) (int, error) {
	t.enter("fcntl")
	defer t.exit()
	switch cmd {
	case uapi.F_GETFD, uapi.F_SETFD:
		fl := t.files
		fl.fileLock.Lock(t.cur)
		defer fl.fileLock.Unlock(t.cur)
		e := fl.fds[fd]
		if e == nil {
			return -1, syscall.EBADF
		}
		if cmd == uapi.F_SETFD {
			e.cloexec = arg&uapi.FD_CLOEXEC != 0
			return 0, nil
		}
		if e.cloexec {
			return uapi.FD_CLOEXEC, nil
		}
		return 0, nil
	}
	f, err := t.Fget(fd)
	if err != nil {
		return -1, err
	}
	defer vfs.Fput(t.cur, f)
	switch cmd {
	case uapi.F_GETFL:
		return f.Flags&^(uapi.O_CREAT|uapi.O_EXCL|uapi.O_TRUNC|uapi.O_CLOEXEC|uapi.O_NOFOLLOW) | uapi.O_LARGEFILE, nil
	case uapi.F_SETFL:
		const settable = uapi.O_APPEND | uapi.O_NONBLOCK | uapi.O_ASYNC | uapi.O_DIRECT | uapi.O_NOATIME
		f.Flags = f.Flags&^settable | arg&settable
		return 0, nil
	}
	return -1, syscall.EINVAL
}
