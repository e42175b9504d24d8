package unixsim

import "golang.org/x/sys/unix"

// Sys is the part of golang.org/x/sys/unix an inotify consumer uses: each
// method has the name and signature of the x/sys/unix function.
type Sys interface {
	InotifyInit1(flags int) (fd int, err error)
	InotifyAddWatch(fd int, pathname string, mask uint32) (watchdesc int, err error)
	InotifyRmWatch(fd int, watchdesc uint32) (success int, err error)

	Read(fd int, p []byte) (n int, err error)
	Write(fd int, p []byte) (n int, err error)
	Close(fd int) (err error)
	Open(path string, mode int, perm uint32) (fd int, err error)
	Openat(dirfd int, path string, flags int, mode uint32) (fd int, err error)
	FcntlInt(fd uintptr, cmd, arg int) (int, error)
	SetNonblock(fd int, nonblocking bool) (err error)

	Mkdir(path string, mode uint32) (err error)
	Rmdir(path string) error
	Unlink(path string) error
	Rename(oldpath string, newpath string) (err error)
	Renameat2(olddirfd int, oldpath string, newdirfd int, newpath string, flags uint) (err error)
	Link(oldpath string, newpath string) (err error)
	Symlink(oldpath string, newpath string) (err error)
	Readlink(path string, buf []byte) (n int, err error)
	Mkfifo(path string, mode uint32) error
	Chmod(path string, mode uint32) (err error)
	Fchmod(fd int, mode uint32) (err error)
	Truncate(path string, length int64) (err error)
	Ftruncate(fd int, length int64) (err error)

	Stat(path string, stat *unix.Stat_t) (err error)
	Lstat(path string, stat *unix.Stat_t) (err error)
	Fstat(fd int, stat *unix.Stat_t) (err error)
	Getdents(fd int, buf []byte) (n int, err error)
	ReadDirent(fd int, buf []byte) (n int, err error)

	EpollCreate1(flag int) (fd int, err error)
	EpollCtl(epfd int, op int, fd int, event *unix.EpollEvent) (err error)
	EpollWait(epfd int, events []unix.EpollEvent, msec int) (n int, err error)
	Poll(fds []unix.PollFd, timeout int) (n int, err error)
	Pipe2(p []int, flags int) error
	Eventfd(initval uint, flags int) (fd int, err error)
}

// Host makes every call on the host's kernel through golang.org/x/sys/unix.
type Host struct{}

var _ Sys = Host{}

func (Host) InotifyInit1(flags int) (int, error) { return unix.InotifyInit1(flags) }
func (Host) InotifyAddWatch(fd int, pathname string, mask uint32) (int, error) {
	return unix.InotifyAddWatch(fd, pathname, mask)
}
func (Host) InotifyRmWatch(fd int, wd uint32) (int, error) { return unix.InotifyRmWatch(fd, wd) }
func (Host) Read(fd int, p []byte) (int, error)            { return unix.Read(fd, p) }
func (Host) Write(fd int, p []byte) (int, error)           { return unix.Write(fd, p) }
func (Host) Close(fd int) error                            { return unix.Close(fd) }
func (Host) Open(path string, mode int, perm uint32) (int, error) {
	return unix.Open(path, mode, perm)
}
func (Host) Openat(dirfd int, path string, flags int, mode uint32) (int, error) {
	return unix.Openat(dirfd, path, flags, mode)
}
func (Host) FcntlInt(fd uintptr, cmd, arg int) (int, error) { return unix.FcntlInt(fd, cmd, arg) }
func (Host) SetNonblock(fd int, nonblocking bool) error     { return unix.SetNonblock(fd, nonblocking) }
func (Host) Mkdir(path string, mode uint32) error           { return unix.Mkdir(path, mode) }
func (Host) Rmdir(path string) error                        { return unix.Rmdir(path) }
func (Host) Unlink(path string) error                       { return unix.Unlink(path) }
func (Host) Rename(oldpath, newpath string) error           { return unix.Rename(oldpath, newpath) }
func (Host) Renameat2(olddirfd int, oldpath string, newdirfd int, newpath string, flags uint) error {
	return unix.Renameat2(olddirfd, oldpath, newdirfd, newpath, flags)
}
func (Host) Link(oldpath, newpath string) error            { return unix.Link(oldpath, newpath) }
func (Host) Symlink(oldpath, newpath string) error         { return unix.Symlink(oldpath, newpath) }
func (Host) Readlink(path string, buf []byte) (int, error) { return unix.Readlink(path, buf) }
func (Host) Mkfifo(path string, mode uint32) error         { return unix.Mkfifo(path, mode) }
func (Host) Chmod(path string, mode uint32) error          { return unix.Chmod(path, mode) }
func (Host) Fchmod(fd int, mode uint32) error              { return unix.Fchmod(fd, mode) }
func (Host) Truncate(path string, length int64) error      { return unix.Truncate(path, length) }
func (Host) Ftruncate(fd int, length int64) error          { return unix.Ftruncate(fd, length) }
func (Host) Stat(path string, st *unix.Stat_t) error       { return unix.Stat(path, st) }
func (Host) Lstat(path string, st *unix.Stat_t) error      { return unix.Lstat(path, st) }
func (Host) Fstat(fd int, st *unix.Stat_t) error           { return unix.Fstat(fd, st) }
func (Host) Getdents(fd int, buf []byte) (int, error)      { return unix.Getdents(fd, buf) }
func (Host) ReadDirent(fd int, buf []byte) (int, error)    { return unix.ReadDirent(fd, buf) }
func (Host) EpollCreate1(flag int) (int, error)            { return unix.EpollCreate1(flag) }
func (Host) EpollCtl(epfd, op, fd int, event *unix.EpollEvent) error {
	return unix.EpollCtl(epfd, op, fd, event)
}
func (Host) EpollWait(epfd int, events []unix.EpollEvent, msec int) (int, error) {
	return unix.EpollWait(epfd, events, msec)
}
func (Host) Poll(fds []unix.PollFd, timeout int) (int, error) { return unix.Poll(fds, timeout) }
func (Host) Pipe2(p []int, flags int) error                   { return unix.Pipe2(p, flags) }
func (Host) Eventfd(initval uint, flags int) (int, error)     { return unix.Eventfd(initval, flags) }
