package scenario

// Machine is what a scenario runs against: the simulator (package
// simrun's adapter) or the host's real kernel (package hostkernel). Each
// method is one system call, or the fixed sequence the scenario language
// names; every error is a syscall.Errno, or ErrOops for a call that oopsed
// the (simulated) kernel. The interpreter (Run) owns everything else —
// name bindings, which fds are inotify instances, wd names — so the two
// machines differ only in who answers the calls.
type Machine interface {
	Mkdir(path string, mode uint32) error
	Rmdir(path string) error
	Open(path string, flags int, mode uint32) (fd int, err error)
	Close(fd int) error
	Write(fd int, data []byte) (int, error)
	// Read is read(2) of n bytes on a file fd.
	Read(fd int, n int) ([]byte, error)
	Lseek(fd int, off int64) (int64, error) // SEEK_SET
	Chdir(path string) error
	Truncate(path string, n int64) error
	Ftruncate(fd int, n int64) error
	Chmod(path string, mode uint32) error
	Fchmod(fd int, mode uint32) error
	Chown(path string, uid, gid uint32) error // follows symlinks; 0xffffffff leaves an id unchanged
	// Utimes sets the chosen times to now (utimensat with UTIME_NOW for
	// each chosen time and UTIME_OMIT for the other).
	Utimes(path string, atime, mtime bool) error
	Link(oldpath, newpath string) error
	Symlink(target, path string) error
	Mkfifo(path string, mode uint32) error
	Unlink(path string) error
	Rename(oldpath, newpath string, flags int) error // renameat2 flags
	// Readdir opens path O_RDONLY|O_DIRECTORY, calls getdents64 with a
	// 32 KiB buffer until it returns 0, and closes it.
	Readdir(path string) error
	Mount(fstype, path string) error
	Umount(path string, flags int) error
	// SetCred makes later calls run as uid:gid with no supplementary
	// groups (setresgid then setresuid, keeping a way back to root).
	SetCred(uid, gid uint32) error
	// Sysctl sets /proc/sys/fs/inotify/KEY (a machine setting, not a call
	// of the current credentials).
	Sysctl(key string, value int64) error

	InotifyInit1(flags int) (fd int, err error)
	InotifyAddWatch(fd int, path string, mask uint32) (wd int, err error)
	InotifyRmWatch(fd int, wd int) error
	// InotifyRead is one read(2) of bufsize bytes on an inotify fd that
	// never blocks: an empty queue gives (nil, nil) whatever the fd's
	// O_NONBLOCK flag, where read(2) would give EAGAIN or sleep.
	InotifyRead(fd int, bufsize int) ([]byte, error)
	Fionread(fd int) (int, error)     // ioctl(FIONREAD)
	SetNextWd(fd int, wd int64) error // ioctl(INOTIFY_IOC_SETNEXTWD)

	// Tick lets n seconds pass: what runs on a clock (illumos's inotify
	// cleaner) runs n times; a machine with nothing of the kind does
	// nothing.
	Tick(n int) error
	// The ioctls illumos's inotify_add_watch is made of: on inotify fd
	// ifd, INOTIFYIOC_ADD_WATCH of the open file fd (the wd),
	// INOTIFYIOC_ADD_CHILD of the entry name of the open directory fd,
	// INOTIFYIOC_ACTIVATE of wd. Linux answers ENOTTY.
	IocAddWatch(ifd, fd int, mask uint32) (wd int, err error)
	IocAddChild(ifd, fd int, name string) error
	IocActivate(ifd, wd int) error
}
