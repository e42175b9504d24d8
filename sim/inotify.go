package sim

import (
	"syscall"

	"github.com/inosim/inosim/fsnotify/inotifyfs"
	"github.com/inosim/inosim/hooks"
	"github.com/inosim/inosim/inotify"
	"github.com/inosim/inosim/inotifydev"
	"github.com/inosim/inosim/inotifyfem"
	"github.com/inosim/inosim/internal/personality"
	"github.com/inosim/inosim/vfs"
)

// newBackend returns the inotify the personality p runs (its Backend), for
// the kernel whose VFS is v: today's fs/notify (packages fsnotify and
// inotifyfs), seed 000's inotify_device (package inotifydev), seed 004's
// driver over FEM (package inotifyfem), or seeds 001/002's inotify_handle
// (package inotify) with the switches of its era.
func newBackend(p *personality.P, v *vfs.VFS) hooks.Backend {
	switch p.Backend {
	case personality.BackendFsnotify:
		return inotifyfs.New(p, v.Dcache(), v.Refs(), v.Validator())
	case personality.BackendDevice:
		return inotifydev.New(p, v.Refs())
	case personality.BackendFEM:
		return inotifyfem.New(p, v)
	}
	return inotify.New(p, v.Dcache(), v.Refs())
}

var _ hooks.Caller = (*Task)(nil)

// Backend returns the kernel's inotify (its hooks.Backend), for tests and
// tools that look inside it.
func (k *Kernel) Backend() hooks.Backend { return k.backend }

// Personality returns the kernel's personality.
func (k *Kernel) Personality() *personality.P { return k.p }

// SetSysctl sets /proc/sys/fs/inotify/KEY. max_queued_events is copied into
// an instance when it is created; the per-user limits apply at once.
func (k *Kernel) SetSysctl(key string, v int64) error { return k.backend.SetSysctl(key, v) }

// Sysctl reads /proc/sys/fs/inotify/KEY.
func (k *Kernel) Sysctl(key string) (int64, error) { return k.backend.Sysctl(key) }

// InotifyInit is inotify_init(2): inotify_init1 with no flags.
func (t *Task) InotifyInit() (int, error) {
	t.enter("inotify_init")
	defer t.exit()
	return t.k.backend.InotifyInit1(t, 0)
}

// InotifyInit1 is inotify_init1(2) (ENOSYS before 2.6.27).
func (t *Task) InotifyInit1(flags int) (int, error) {
	t.enter("inotify_init1")
	defer t.exit()
	if !t.k.p.Init1 {
		return -1, syscall.ENOSYS
	}
	return t.k.backend.InotifyInit1(t, flags)
}

// InotifyAddWatch is inotify_add_watch(2).
func (t *Task) InotifyAddWatch(fd int, path string, mask uint32) (int, error) {
	t.enter("inotify_add_watch")
	defer t.exit()
	if err := cStrings(path); err != nil {
		return -1, err
	}
	wd, err := t.k.backend.InotifyAddWatch(t, fd, path, mask)
	return wd, t.k.logOops(err)
}

// InotifyRmWatch is inotify_rm_watch(2).
func (t *Task) InotifyRmWatch(fd int, wd int) error {
	t.enter("inotify_rm_watch")
	defer t.exit()
	return t.k.logOops(t.k.backend.InotifyRmWatch(t, fd, wd))
}

// Ioctl is ioctl(2) (do_vfs_ioctl, then the file's unlocked_ioctl).
func (t *Task) Ioctl(fd int, req uint, arg int64) (int, error) {
	t.enter("ioctl")
	defer t.exit()
	f, err := t.Fget(fd)
	if err != nil {
		return -1, err
	}
	defer vfs.Fput(t.cur, f)
	return t.k.vfs.Ioctl(t.ctx, f, req, arg)
}

// InotifyIoctl is ioctl(2) on fd with a request whose argument is a
// structure the caller fills (illumos's INOTIFYIOC_ADD_WATCH with a
// uapi.InotifyAddwatch, INOTIFYIOC_ADD_CHILD with a uapi.InotifyAddchild)
// or a value (an int64: INOTIFYIOC_ACTIVATE's wd). A backend without such
// requests answers as its files' ioctl does: ENOTTY for a request it does
// not know, EFAULT where it would copy a structure in.
func (t *Task) InotifyIoctl(fd int, req uint, arg any) (int, error) {
	t.enter("ioctl")
	defer t.exit()
	if si, ok := t.k.backend.(hooks.StructIoctler); ok {
		return si.InotifyIoctl(t, fd, req, arg)
	}
	f, err := t.Fget(fd)
	if err != nil {
		return -1, err
	}
	defer vfs.Fput(t.cur, f)
	n, _ := arg.(int64)
	return t.k.vfs.Ioctl(t.ctx, f, req, n)
}

// Poll reports whether read on fd would not block (POLLIN): the file's
// poll, or always readable for a file that has none.
func (t *Task) Poll(fd int) (bool, error) {
	t.enter("poll")
	defer t.exit()
	f, err := t.Fget(fd)
	if err != nil {
		return false, err
	}
	defer vfs.Fput(t.cur, f)
	if p, ok := f.Ops.(vfs.Poller); ok {
		return p.Poll(t.cur, f), nil
	}
	return true, nil
}

// InotifyInfo describes the inotify instance behind fd (its wds and its
// queue), for invariant checks: EBADF, EINVAL for an fd that is not an
// instance, ENOSYS for a backend that cannot tell.
func (t *Task) InotifyInfo(fd int) (hooks.InstanceInfo, error) {
	in, ok := t.k.backend.(hooks.Inspector)
	if !ok {
		return hooks.InstanceInfo{}, syscall.ENOSYS
	}
	return in.InotifyInfo(t, fd)
}

// VFS returns the VFS of the task's namespace.
func (t *Task) VFS() *vfs.VFS { return t.k.vfs }
