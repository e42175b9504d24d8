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
