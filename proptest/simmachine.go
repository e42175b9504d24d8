package proptest

import (
	"errors"
	"syscall"

	"github.com/inosim/inosim/sim"
)

// simMachine runs scenario calls as one task of a simulated kernel, exactly
// as sim/scenario's own adapter does (RunSim), but keeps the kernel and the
// task at hand for invariant checks between steps.
type simMachine struct {
	k *sim.Kernel
	t *sim.Task
}

func (s *simMachine) Mkdir(p string, mode uint32) error { return s.t.Mkdir(p, mode) }
func (s *simMachine) Rmdir(p string) error              { return s.t.Rmdir(p) }
func (s *simMachine) Open(p string, flags int, mode uint32) (int, error) {
	return s.t.Open(p, flags, mode)
}
func (s *simMachine) Close(fd int) error                     { return s.t.Close(fd) }
func (s *simMachine) Write(fd int, data []byte) (int, error) { return s.t.Write(fd, data) }
func (s *simMachine) Read(fd int, n int) ([]byte, error)     { return s.t.Read(fd, n) }
func (s *simMachine) Lseek(fd int, off int64) (int64, error) { return s.t.Lseek(fd, off) }
func (s *simMachine) Chdir(p string) error                   { return s.t.Chdir(p) }
func (s *simMachine) Truncate(p string, n int64) error       { return s.t.Truncate(p, n) }
func (s *simMachine) Ftruncate(fd int, n int64) error        { return s.t.Ftruncate(fd, n) }
func (s *simMachine) Chmod(p string, mode uint32) error      { return s.t.Chmod(p, mode) }
func (s *simMachine) Fchmod(fd int, mode uint32) error       { return s.t.Fchmod(fd, mode) }
func (s *simMachine) Chown(p string, uid, gid uint32) error  { return s.t.Chown(p, uid, gid) }
func (s *simMachine) Link(o, n string) error                 { return s.t.Link(o, n) }
func (s *simMachine) Symlink(target, p string) error         { return s.t.Symlink(target, p) }
func (s *simMachine) Mkfifo(p string, mode uint32) error     { return s.t.Mkfifo(p, mode) }
func (s *simMachine) Unlink(p string) error                  { return s.t.Unlink(p) }
func (s *simMachine) Rename(o, n string, flags int) error    { return s.t.Rename(o, n, flags) }
func (s *simMachine) Mount(fstype, p string) error           { return s.t.Mount(fstype, p) }
func (s *simMachine) Umount(p string, flags int) error       { return s.t.Umount(p, flags) }
func (s *simMachine) Sysctl(key string, v int64) error       { return s.k.SetSysctl(key, v) }
func (s *simMachine) InotifyRmWatch(fd, wd int) error        { return s.t.InotifyRmWatch(fd, wd) }
func (s *simMachine) SetNextWd(fd int, wd int64) error {
	_, err := s.t.Ioctl(fd, sim.INOTIFY_IOC_SETNEXTWD, wd)
	return err
}
func (s *simMachine) Fionread(fd int) (int, error)  { return s.t.Ioctl(fd, sim.FIONREAD, 0) }
func (s *simMachine) Readdir(p string) error        { _, err := s.t.Readdir(p); return err }
func (s *simMachine) SetCred(uid, gid uint32) error { s.t.SetCred(uid, gid); return nil }
func (s *simMachine) InotifyAddWatch(fd int, p string, mask uint32) (int, error) {
	return s.t.InotifyAddWatch(fd, p, mask)
}

func (s *simMachine) Utimes(p string, atime, mtime bool) error {
	which := sim.UtimeBoth
	switch {
	case atime && !mtime:
		which = sim.UtimeAtime
	case mtime && !atime:
		which = sim.UtimeMtime
	}
	return s.t.Utimes(p, which)
}

func (s *simMachine) InotifyInit1(flags int) (int, error) {
	if flags == 0 {
		return s.t.InotifyInit()
	}
	return s.t.InotifyInit1(flags)
}

func (s *simMachine) InotifyRead(fd int, n int) ([]byte, error) {
	ready, err := s.t.Poll(fd)
	if err != nil {
		return nil, err
	}
	if !ready {
		return nil, nil
	}
	b, err := s.t.Read(fd, n)
	if errors.Is(err, syscall.EAGAIN) {
		return nil, nil
	}
	return b, err
}
