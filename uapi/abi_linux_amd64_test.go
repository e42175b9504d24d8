package uapi

import (
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// TestValuesMatchHost checks the values written here against the host's
// headers (x/sys/unix), on the one architecture they are written for.
func TestValuesMatchHost(t *testing.T) {
	for _, c := range []struct {
		name      string
		got, want int
	}{
		{"O_RDONLY", O_RDONLY, unix.O_RDONLY}, {"O_WRONLY", O_WRONLY, unix.O_WRONLY},
		{"O_RDWR", O_RDWR, unix.O_RDWR}, {"O_ACCMODE", O_ACCMODE, unix.O_ACCMODE},
		{"O_CREAT", O_CREAT, unix.O_CREAT}, {"O_EXCL", O_EXCL, unix.O_EXCL},
		{"O_TRUNC", O_TRUNC, unix.O_TRUNC}, {"O_APPEND", O_APPEND, unix.O_APPEND},
		{"O_NONBLOCK", O_NONBLOCK, unix.O_NONBLOCK}, {"O_DIRECTORY", O_DIRECTORY, unix.O_DIRECTORY},
		{"O_NOFOLLOW", O_NOFOLLOW, unix.O_NOFOLLOW}, {"O_CLOEXEC", O_CLOEXEC, unix.O_CLOEXEC},
		{"RENAME_NOREPLACE", RENAME_NOREPLACE, unix.RENAME_NOREPLACE},
		{"RENAME_EXCHANGE", RENAME_EXCHANGE, unix.RENAME_EXCHANGE},
		{"MNT_FORCE", MNT_FORCE, unix.MNT_FORCE}, {"MNT_DETACH", MNT_DETACH, unix.MNT_DETACH},
		{"UMOUNT_NOFOLLOW", UMOUNT_NOFOLLOW, unix.UMOUNT_NOFOLLOW},
		{"FIONREAD", FIONREAD, unix.TIOCINQ},
		{"IN_CLOEXEC", IN_CLOEXEC, unix.IN_CLOEXEC}, {"IN_NONBLOCK", IN_NONBLOCK, unix.IN_NONBLOCK},
		{"IN_ALL_EVENTS", int(IN_ALL_EVENTS), unix.IN_ALL_EVENTS},
		{"IN_ONESHOT", int(IN_ONESHOT), unix.IN_ONESHOT},
		{"IN_EXCL_UNLINK", int(IN_EXCL_UNLINK), unix.IN_EXCL_UNLINK},
		{"POLLIN", POLLIN, unix.POLLIN}, {"POLLPRI", POLLPRI, unix.POLLPRI}, {"POLLOUT", POLLOUT, unix.POLLOUT},
		{"POLLERR", POLLERR, unix.POLLERR}, {"POLLHUP", POLLHUP, unix.POLLHUP}, {"POLLNVAL", POLLNVAL, unix.POLLNVAL},
		{"EPOLLRDNORM", POLLRDNORM, unix.EPOLLRDNORM}, {"EPOLLWRNORM", POLLWRNORM, unix.EPOLLWRNORM},
		{"POLLRDHUP", POLLRDHUP, unix.POLLRDHUP},
		{"EPOLLIN", POLLIN, unix.EPOLLIN}, {"EPOLLRDHUP", POLLRDHUP, unix.EPOLLRDHUP},
		{"EPOLLEXCLUSIVE", EPOLLEXCLUSIVE, unix.EPOLLEXCLUSIVE}, {"EPOLLONESHOT", EPOLLONESHOT, unix.EPOLLONESHOT},
		{"EPOLLET", EPOLLET, unix.EPOLLET}, {"EPOLL_CTL_ADD", EPOLL_CTL_ADD, unix.EPOLL_CTL_ADD},
		{"EPOLL_CTL_DEL", EPOLL_CTL_DEL, unix.EPOLL_CTL_DEL}, {"EPOLL_CTL_MOD", EPOLL_CTL_MOD, unix.EPOLL_CTL_MOD},
		{"EPOLL_CLOEXEC", EPOLL_CLOEXEC, unix.EPOLL_CLOEXEC},
		{"EFD_SEMAPHORE", EFD_SEMAPHORE, unix.EFD_SEMAPHORE}, {"EFD_NONBLOCK", EFD_NONBLOCK, unix.EFD_NONBLOCK},
		{"EFD_CLOEXEC", EFD_CLOEXEC, unix.EFD_CLOEXEC},
		{"F_GETFD", F_GETFD, unix.F_GETFD}, {"F_SETFD", F_SETFD, unix.F_SETFD}, {"F_GETFL", F_GETFL, unix.F_GETFL},
		{"F_SETFL", F_SETFL, unix.F_SETFL}, {"FD_CLOEXEC", FD_CLOEXEC, unix.FD_CLOEXEC},
		{"O_DIRECT", O_DIRECT, unix.O_DIRECT}, {"O_NOATIME", O_NOATIME, unix.O_NOATIME}, {"O_ASYNC", O_ASYNC, unix.O_ASYNC},
		{"AT_FDCWD", AT_FDCWD, unix.AT_FDCWD}, {"AT_SYMLINK_NOFOLLOW", AT_SYMLINK_NOFOLLOW, unix.AT_SYMLINK_NOFOLLOW},
		{"AT_REMOVEDIR", AT_REMOVEDIR, unix.AT_REMOVEDIR},
		{"DT_DIR", DT_DIR, unix.DT_DIR}, {"DT_REG", DT_REG, unix.DT_REG}, {"DT_LNK", DT_LNK, unix.DT_LNK},
		{"DT_FIFO", DT_FIFO, unix.DT_FIFO}, {"PIPE_BUF", PIPE_BUF, 4096},
	} {
		if c.got != c.want {
			t.Errorf("%s = %#x, the host's is %#x", c.name, c.got, c.want)
		}
	}
	// x/sys names 95 ENOTSUP (an alias here) and 117 by the kernel's
	// internal EFSCORRUPTED, which <errno.h> does not have.
	for n := 1; n < len(errnoNames); n++ {
		host := unix.ErrnoName(syscall.Errno(n))
		if back, ok := ErrnoNumber(host); host != "" && (!ok || back != n) && host != "EFSCORRUPTED" {
			t.Errorf("ErrnoName(%d) = %q, the host calls it %q", n, ErrnoName(n), host)
		}
	}
}
