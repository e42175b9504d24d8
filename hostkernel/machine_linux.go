package hostkernel

import (
	"fmt"
	"strconv"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/inosim/inosim/scenario"
	"github.com/inosim/inosim/uapi"
)

// maxBuf caps the buffer of a read: a scenario's files are tiny, and a
// "read F 1000000000" must not make the child allocate a gigabyte.
const maxBuf = 16 << 20

// hostMachine is scenario.Machine over real system calls. It only makes
// sense inside the child's sandbox (child.go): paths resolve in the
// process's root and current directory, which the child has set to its
// private tmpfs.
type hostMachine struct {
	uid, gid uint32 // current credentials, for Sysctl's switch to root

	// The /proc/sys files sysctl lines write, opened before chroot, in
	// sysctlKeys order: fd, or -1 and why not.
	sysctlFD  [3]int
	sysctlErr [3]error

	errs []string // failures that are not a command's (sysctl lines)
}

var (
	_ scenario.Machine    = (*hostMachine)(nil)
	_ scenario.DirChecker = (*hostMachine)(nil)
)

// errno turns an x/sys/unix error into the bare syscall.Errno (or nil).
func errno(err error) error {
	if err == nil {
		return nil
	}
	if e, ok := err.(syscall.Errno); ok {
		return e
	}
	return syscall.EIO
}

func (m *hostMachine) Mkdir(path string, mode uint32) error { return errno(unix.Mkdir(path, mode)) }
func (m *hostMachine) Rmdir(path string) error              { return errno(unix.Rmdir(path)) }

func (m *hostMachine) Open(path string, flags int, mode uint32) (int, error) {
	fd, err := unix.Open(path, flags, mode)
	if err != nil {
		return -1, errno(err)
	}
	return fd, nil
}

func (m *hostMachine) Close(fd int) error { return errno(unix.Close(fd)) }

func (m *hostMachine) Write(fd int, data []byte) (int, error) {
	n, err := unix.Write(fd, data)
	return n, errno(err)
}

func (m *hostMachine) Read(fd int, n int) ([]byte, error) {
	buf := make([]byte, min(max(n, 0), maxBuf))
	k, err := unix.Read(fd, buf)
	if err != nil {
		return nil, errno(err)
	}
	return buf[:k], nil
}

func (m *hostMachine) Lseek(fd int, off int64) (int64, error) {
	o, err := unix.Seek(fd, off, unix.SEEK_SET)
	return o, errno(err)
}

func (m *hostMachine) Chdir(path string) error               { return errno(unix.Chdir(path)) }
func (m *hostMachine) Truncate(path string, n int64) error   { return errno(unix.Truncate(path, n)) }
func (m *hostMachine) Ftruncate(fd int, n int64) error       { return errno(unix.Ftruncate(fd, n)) }
func (m *hostMachine) Chmod(path string, mode uint32) error  { return errno(unix.Chmod(path, mode)) }
func (m *hostMachine) Fchmod(fd int, mode uint32) error      { return errno(unix.Fchmod(fd, mode)) }
func (m *hostMachine) Link(oldpath, newpath string) error    { return errno(unix.Link(oldpath, newpath)) }
func (m *hostMachine) Symlink(target, path string) error     { return errno(unix.Symlink(target, path)) }
func (m *hostMachine) Unlink(path string) error              { return errno(unix.Unlink(path)) }
func (m *hostMachine) Mkfifo(path string, mode uint32) error { return errno(unix.Mkfifo(path, mode)) }
func (m *hostMachine) Umount(path string, flags int) error   { return errno(unix.Unmount(path, flags)) }
func (m *hostMachine) InotifyInit1(flags int) (int, error)   { return retFd(unix.InotifyInit1(flags)) }
func (m *hostMachine) InotifyRmWatch(fd int, wd int) error   { return errno(rmWatch(fd, wd)) }
func (m *hostMachine) Mount(fstype, path string) error {
	return errno(unix.Mount(fstype, path, fstype, 0, ""))
}
func (m *hostMachine) Rename(oldpath, newpath string, flags int) error {
	return errno(unix.Renameat2(unix.AT_FDCWD, oldpath, unix.AT_FDCWD, newpath, uint(flags)))
}

func retFd(fd int, err error) (int, error) {
	if err != nil {
		return -1, errno(err)
	}
	return fd, nil
}

func rmWatch(fd, wd int) error {
	_, err := unix.InotifyRmWatch(fd, uint32(int32(wd)))
	return err
}

func (m *hostMachine) Chown(path string, uid, gid uint32) error {
	return errno(unix.Chown(path, int(int32(uid)), int(int32(gid))))
}

func (m *hostMachine) Utimes(path string, atime, mtime bool) error {
	ts := [2]unix.Timespec{{Nsec: unix.UTIME_OMIT}, {Nsec: unix.UTIME_OMIT}}
	if atime {
		ts[0].Nsec = unix.UTIME_NOW
	}
	if mtime {
		ts[1].Nsec = unix.UTIME_NOW
	}
	return errno(unix.UtimesNanoAt(unix.AT_FDCWD, path, ts[:], 0))
}

func (m *hostMachine) Readdir(path string) error {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return errno(err)
	}
	defer unix.Close(fd)
	buf := make([]byte, 32<<10)
	for {
		n, err := unix.Getdents(fd, buf)
		if err != nil {
			return errno(err)
		}
		if n == 0 {
			return nil
		}
	}
}

// SetCred switches the whole process (all threads: syscall's setters
// broadcast) to uid:gid with no supplementary groups, keeping the saved
// uid 0 so that the next SetCred can come back to root.
func (m *hostMachine) SetCred(uid, gid uint32) error {
	if err := syscall.Setresuid(0, 0, 0); err != nil {
		return errno(err)
	}
	if err := syscall.Setgroups([]int{}); err != nil {
		return errno(err)
	}
	if err := syscall.Setresgid(int(gid), int(gid), 0); err != nil {
		return errno(err)
	}
	if err := syscall.Setresuid(int(uid), int(uid), 0); err != nil {
		return errno(err)
	}
	m.uid, m.gid = uid, gid
	return nil
}

// Sysctl writes the key's /proc/sys file as root, whatever the current
// credentials. A failure is the run's error (see scenario.RunWith), kept
// in m.errs.
func (m *hostMachine) Sysctl(key string, value int64) error {
	err := m.sysctl(key, value)
	if err != nil {
		m.errs = append(m.errs, fmt.Sprintf("sysctl %s=%d: %v", key, value, err))
	}
	return err
}

func (m *hostMachine) sysctl(key string, value int64) error {
	i := -1
	for j, k := range sysctlKeys {
		if k == key {
			i = j
		}
	}
	if i < 0 {
		return fmt.Errorf("unknown key")
	}
	if m.sysctlFD[i] < 0 {
		return m.sysctlErr[i]
	}
	if m.uid != 0 {
		if err := syscall.Setresuid(0, 0, 0); err != nil {
			return err
		}
		defer syscall.Setresuid(int(m.uid), int(m.uid), 0)
	}
	_, err := unix.Pwrite(m.sysctlFD[i], []byte(strconv.FormatInt(value, 10)+"\n"), 0)
	return err
}

func (m *hostMachine) InotifyAddWatch(fd int, path string, mask uint32) (int, error) {
	return retFd(unix.InotifyAddWatch(fd, path, mask))
}

// InotifyRead makes one read(2) that never blocks: the fd is switched to
// O_NONBLOCK for the read (and back), and EAGAIN — an empty queue — gives
// (nil, nil). A descriptor fcntl cannot take (-1, closed) is read as is,
// so the error is read(2)'s own.
func (m *hostMachine) InotifyRead(fd int, bufsize int) ([]byte, error) {
	buf := make([]byte, min(max(bufsize, 0), maxBuf))
	flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
	if err != nil {
		n, err := unix.Read(fd, buf)
		if err != nil {
			return nil, errno(err)
		}
		return buf[:n], nil
	}
	if flags&unix.O_NONBLOCK == 0 {
		if _, err := unix.FcntlInt(uintptr(fd), unix.F_SETFL, flags|unix.O_NONBLOCK); err != nil {
			return nil, errno(err)
		}
		defer unix.FcntlInt(uintptr(fd), unix.F_SETFL, flags)
	}
	n, err := unix.Read(fd, buf)
	if err == unix.EAGAIN {
		return nil, nil
	}
	if err != nil {
		return nil, errno(err)
	}
	return buf[:n], nil
}

func (m *hostMachine) Fionread(fd int) (int, error) {
	// The kernel writes a C int (put_user(..., (int __user *)argp));
	// IoctlGetInt would read a Go int and miss the sign of a negative one.
	n, err := unix.IoctlGetUint32(fd, uapi.FIONREAD)
	return int(int32(n)), errno(err)
}

// SetNextWd passes wd as the ioctl's argument itself (not a pointer), as
// the kernel reads it.
func (m *hostMachine) SetNextWd(fd int, wd int64) error {
	_, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), uapi.INOTIFY_IOC_SETNEXTWD, uintptr(wd))
	if e != 0 {
		return e
	}
	return nil
}

// Tick does nothing on Linux, whose inotify runs nothing on a clock; the
// runner does not wait.
func (m *hostMachine) Tick(n int) error { return nil }

// ioctlPtr makes ioctl(fd, req, arg) with a pointer for argument.
func ioctlPtr(fd int, req uint, arg unsafe.Pointer) (int, error) {
	r, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), uintptr(req), uintptr(arg))
	if e != 0 {
		return -1, e
	}
	return int(r), nil
}

// IocAddWatch is illumos's INOTIFYIOC_ADD_WATCH with its structure (Linux
// answers ENOTTY).
func (m *hostMachine) IocAddWatch(ifd, fd int, mask uint32) (int, error) {
	arg := struct {
		fd   int32
		mask uint32
	}{int32(fd), mask}
	return ioctlPtr(ifd, uapi.INOTIFYIOC_ADD_WATCH, unsafe.Pointer(&arg))
}

// IocAddChild is illumos's INOTIFYIOC_ADD_CHILD with its structure
// (inotify_addchild_t: the name's pointer, then the fd).
func (m *hostMachine) IocAddChild(ifd, fd int, name string) error {
	b := append([]byte(name), 0)
	arg := struct {
		name *byte
		fd   int32
	}{&b[0], int32(fd)}
	_, err := ioctlPtr(ifd, uapi.INOTIFYIOC_ADD_CHILD, unsafe.Pointer(&arg))
	return err
}

// IocActivate is illumos's INOTIFYIOC_ACTIVATE: the wd is the argument.
func (m *hostMachine) IocActivate(ifd, wd int) error {
	_, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(ifd), uapi.INOTIFYIOC_ACTIVATE, uintptr(wd))
	if e != 0 {
		return e
	}
	return nil
}

// IsDir is a stat (or lstat when !follow): no inotify event.
func (m *hostMachine) IsDir(path string, follow bool) bool {
	var st unix.Stat_t
	var err error
	if follow {
		err = unix.Stat(path, &st)
	} else {
		err = unix.Lstat(path, &st)
	}
	return err == nil && st.Mode&unix.S_IFMT == unix.S_IFDIR
}
