package unixsim

import (
	"context"
	"reflect"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/inosim/inosim/internal/wait"
	"github.com/inosim/inosim/sim"
	"github.com/inosim/inosim/uapi"
)

// Sim makes every call as a system call of one simulated task. Its methods
// may be called from several goroutines: they are serialised per task,
// and a call that sleeps lets the others run (see the package doc).
type Sim struct {
	s   *shared
	ctx context.Context // the sleep hooks, and the signal WithContext gives
}

type shared struct {
	mu   sync.Mutex // serialises the task's system calls
	task *sim.Task
}

var _ Sys = (*Sim)(nil)

// New returns the double over task. task must not be used directly while
// the double is in use on another goroutine.
func New(task *sim.Task) *Sim {
	s := &Sim{s: &shared{task: task}}
	s.ctx = s.hooks(context.Background())
	return s
}

func (s *Sim) hooks(ctx context.Context) context.Context {
	return wait.WithSleepHooks(ctx, s.s.mu.Unlock, s.s.mu.Lock)
}

// WithContext returns a double over the same task whose sleeping calls
// end with EINTR when ctx is done: the simulator's signal.
func (s *Sim) WithContext(ctx context.Context) *Sim {
	return &Sim{s: s.s, ctx: s.hooks(ctx)}
}

// Task returns the simulated task the calls are made as.
func (s *Sim) Task() *sim.Task { return s.s.task }

// Thread returns a double over a new thread of s's task (sim.Task.NewThread:
// the same fd table and cwd, its own lockdep state): give each goroutine
// its own, and their calls run concurrently, as a process's threads do,
// with no mutex between them.
func (s *Sim) Thread() *Sim { return New(s.s.task.NewThread()) }

// do runs fn as the task, alone.
func (s *Sim) do(fn func(t *sim.Task)) {
	s.s.mu.Lock()
	defer s.s.mu.Unlock()
	fn(s.s.task)
}

func (s *Sim) InotifyInit1(flags int) (fd int, err error) {
	s.do(func(t *sim.Task) { fd, err = t.InotifyInit1(flags) })
	return fd, err
}

func (s *Sim) InotifyAddWatch(fd int, pathname string, mask uint32) (wd int, err error) {
	s.do(func(t *sim.Task) { wd, err = t.InotifyAddWatch(fd, pathname, mask) })
	return wd, err
}

func (s *Sim) InotifyRmWatch(fd int, watchdesc uint32) (int, error) {
	var err error
	s.do(func(t *sim.Task) { err = t.InotifyRmWatch(fd, int(int32(watchdesc))) })
	if err != nil {
		return -1, err
	}
	return 0, nil
}

func (s *Sim) Read(fd int, p []byte) (n int, err error) {
	s.do(func(t *sim.Task) {
		var b []byte
		b, err = t.ReadContext(s.ctx, fd, len(p))
		n = copy(p, b)
	})
	if err != nil {
		return -1, err
	}
	return n, nil
}

func (s *Sim) Write(fd int, p []byte) (n int, err error) {
	s.do(func(t *sim.Task) { n, err = t.WriteContext(s.ctx, fd, p) })
	if err != nil {
		return -1, err
	}
	return n, nil
}

func (s *Sim) Close(fd int) (err error) {
	s.do(func(t *sim.Task) { err = t.Close(fd) })
	return err
}

func (s *Sim) Open(path string, mode int, perm uint32) (fd int, err error) {
	s.do(func(t *sim.Task) { fd, err = t.Open(path, mode, perm) })
	return fd, err
}

func (s *Sim) Openat(dirfd int, path string, flags int, mode uint32) (fd int, err error) {
	s.do(func(t *sim.Task) { fd, err = t.Openat(dirfd, path, flags, mode) })
	return fd, err
}

func (s *Sim) FcntlInt(fd uintptr, cmd, arg int) (v int, err error) {
	s.do(func(t *sim.Task) { v, err = t.Fcntl(int(fd), cmd, arg) })
	return v, err
}

func (s *Sim) SetNonblock(fd int, nonblocking bool) (err error) {
	s.do(func(t *sim.Task) {
		var fl int
		if fl, err = t.Fcntl(fd, uapi.F_GETFL, 0); err != nil {
			return
		}
		if nonblocking {
			fl |= uapi.O_NONBLOCK
		} else {
			fl &^= uapi.O_NONBLOCK
		}
		_, err = t.Fcntl(fd, uapi.F_SETFL, fl)
	})
	return err
}

func (s *Sim) Mkdir(path string, mode uint32) (err error) {
	s.do(func(t *sim.Task) { err = t.Mkdir(path, mode) })
	return err
}

func (s *Sim) Rmdir(path string) (err error) {
	s.do(func(t *sim.Task) { err = t.Rmdir(path) })
	return err
}

func (s *Sim) Unlink(path string) (err error) {
	s.do(func(t *sim.Task) { err = t.Unlink(path) })
	return err
}

func (s *Sim) Rename(oldpath, newpath string) (err error) {
	s.do(func(t *sim.Task) { err = t.Rename(oldpath, newpath, 0) })
	return err
}

func (s *Sim) Renameat2(olddirfd int, oldpath string, newdirfd int, newpath string, flags uint) (err error) {
	s.do(func(t *sim.Task) { err = t.Renameat2(olddirfd, oldpath, newdirfd, newpath, int(flags)) })
	return err
}

func (s *Sim) Link(oldpath, newpath string) (err error) {
	s.do(func(t *sim.Task) { err = t.Link(oldpath, newpath) })
	return err
}

func (s *Sim) Symlink(oldpath, newpath string) (err error) {
	s.do(func(t *sim.Task) { err = t.Symlink(oldpath, newpath) })
	return err
}

func (s *Sim) Readlink(path string, buf []byte) (n int, err error) {
	s.do(func(t *sim.Task) {
		var target string
		target, err = t.Readlink(path, len(buf))
		n = copy(buf, target)
	})
	if err != nil {
		return -1, err
	}
	return n, nil
}

func (s *Sim) Mkfifo(path string, mode uint32) (err error) {
	s.do(func(t *sim.Task) { err = t.Mkfifo(path, mode) })
	return err
}

func (s *Sim) Chmod(path string, mode uint32) (err error) {
	s.do(func(t *sim.Task) { err = t.Chmod(path, mode) })
	return err
}

func (s *Sim) Fchmod(fd int, mode uint32) (err error) {
	s.do(func(t *sim.Task) { err = t.Fchmod(fd, mode) })
	return err
}

func (s *Sim) Truncate(path string, length int64) (err error) {
	s.do(func(t *sim.Task) { err = t.Truncate(path, length) })
	return err
}

func (s *Sim) Ftruncate(fd int, length int64) (err error) {
	s.do(func(t *sim.Task) { err = t.Ftruncate(fd, length) })
	return err
}

// fillStat copies a simulated stat into x/sys's Stat_t, whose field types
// differ between architectures.
func fillStat(st *unix.Stat_t, s sim.Stat) {
	*st = unix.Stat_t{}
	v := reflect.ValueOf(st).Elem()
	set := func(field string, x int64) {
		f := v.FieldByName(field)
		switch f.Kind() {
		case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			f.SetUint(uint64(x))
		default:
			f.SetInt(x)
		}
	}
	set("Dev", int64(s.Dev))
	set("Ino", int64(s.Ino))
	set("Nlink", int64(s.Nlink))
	set("Mode", int64(s.Mode))
	set("Uid", int64(s.Uid))
	set("Gid", int64(s.Gid))
	set("Size", s.Size)
	set("Blksize", s.Blksize)
	set("Blocks", s.Blocks)
	st.Atim = unix.NsecToTimespec(s.Atime * 1e9)
	st.Mtim = unix.NsecToTimespec(s.Mtime * 1e9)
	st.Ctim = unix.NsecToTimespec(s.Ctime * 1e9)
}

func (s *Sim) Stat(path string, stat *unix.Stat_t) (err error) {
	s.do(func(t *sim.Task) {
		var st sim.Stat
		if st, err = t.Stat(path); err == nil {
			fillStat(stat, st)
		}
	})
	return err
}

func (s *Sim) Lstat(path string, stat *unix.Stat_t) (err error) {
	s.do(func(t *sim.Task) {
		var st sim.Stat
		if st, err = t.Lstat(path); err == nil {
			fillStat(stat, st)
		}
	})
	return err
}

func (s *Sim) Fstat(fd int, stat *unix.Stat_t) (err error) {
	s.do(func(t *sim.Task) {
		var st sim.Stat
		if st, err = t.Fstat(fd); err == nil {
			fillStat(stat, st)
		}
	})
	return err
}

func (s *Sim) Getdents(fd int, buf []byte) (n int, err error) {
	s.do(func(t *sim.Task) {
		var b []byte
		b, err = t.Getdents64(fd, len(buf))
		n = copy(buf, b)
	})
	if err != nil {
		return -1, err
	}
	return n, nil
}

func (s *Sim) ReadDirent(fd int, buf []byte) (int, error) { return s.Getdents(fd, buf) }

func (s *Sim) EpollCreate1(flag int) (fd int, err error) {
	s.do(func(t *sim.Task) { fd, err = t.EpollCreate1(flag) })
	return fd, err
}

func (s *Sim) EpollCtl(epfd int, op int, fd int, event *unix.EpollEvent) (err error) {
	var ev *sim.EpollEvent
	if event != nil {
		ev = &sim.EpollEvent{Events: event.Events, Data: uint64(uint32(event.Fd)) | uint64(uint32(event.Pad))<<32}
	}
	s.do(func(t *sim.Task) { err = t.EpollCtl(epfd, op, fd, ev) })
	return err
}

func (s *Sim) EpollWait(epfd int, events []unix.EpollEvent, msec int) (n int, err error) {
	if len(events) == 0 {
		return -1, syscall.EINVAL
	}
	s.do(func(t *sim.Task) {
		var evs []sim.EpollEvent
		evs, err = t.EpollWait(s.ctx, epfd, len(events), sim.Timeout(msec))
		for i, e := range evs {
			events[i] = unix.EpollEvent{Events: e.Events, Fd: int32(uint32(e.Data)), Pad: int32(uint32(e.Data >> 32))}
		}
		n = len(evs)
	})
	if err != nil {
		return -1, err
	}
	return n, nil
}

func (s *Sim) Poll(fds []unix.PollFd, timeout int) (n int, err error) {
	p := make([]sim.PollFd, len(fds))
	for i, f := range fds {
		p[i] = sim.PollFd{Fd: f.Fd, Events: f.Events}
	}
	s.do(func(t *sim.Task) { n, err = t.Ppoll(s.ctx, p, sim.Timeout(timeout)) })
	for i := range fds {
		fds[i].Revents = p[i].Revents
	}
	if err != nil {
		return -1, err
	}
	return n, nil
}

func (s *Sim) Pipe2(p []int, flags int) (err error) {
	if len(p) != 2 {
		return syscall.EINVAL
	}
	s.do(func(t *sim.Task) {
		var fds [2]int
		if fds, err = t.Pipe2(flags); err == nil {
			p[0], p[1] = fds[0], fds[1]
		}
	})
	return err
}

func (s *Sim) Eventfd(initval uint, flags int) (fd int, err error) {
	s.do(func(t *sim.Task) { fd, err = t.Eventfd(initval, flags) })
	return fd, err
}
