package inotify

// fs/inotify_user.c of seed 002 over seed 001's kernel API: the device (the
// user-space face of an inotify handle), create_watch, the system calls,
// the sysctls and the per-user counts.

import (
	"context"
	"errors"
	"sync/atomic"
	"syscall"

	"github.com/inosim/inosim/hooks"
	"github.com/inosim/inosim/inode"
	"github.com/inosim/inosim/internal/kref"
	"github.com/inosim/inosim/internal/lockdep"
	"github.com/inosim/inosim/internal/personality"
	"github.com/inosim/inosim/uapi"
	"github.com/inosim/inosim/vfs"
)

// Lock classes of fs/inotify_user.c.
var (
	UpMutexClass  = lockdep.NewClass("dev->up_mutex")
	UidLockClass  = lockdep.NewClass("uidhash_lock")
	errNotInotify = syscall.EINVAL
)

// Sysctl defaults: Linux's (max_user_watches at its floor; a real host
// derives a larger one from its memory).
const (
	DefaultMaxQueuedEvents  = 16384
	DefaultMaxUserInstances = 128
	DefaultMaxUserWatches   = 8192
)

// sysctls are /proc/sys/fs/inotify (inotify_max_queued_events,
// inotify_max_user_instances, inotify_max_user_watches) and the per-user
// counts they limit.
type sysctls struct {
	hooks.InotifyTable
	devIDs atomic.Uint64

	// uidLock (uidhash_lock) protects users.
	uidLock lockdep.Mutex
	users   map[uint32]*inotifyUser
}

func (s *sysctls) init() {
	s.users = map[uint32]*inotifyUser{}
	s.MaxQueuedEvents.Store(DefaultMaxQueuedEvents)
	s.MaxUserInstances.Store(DefaultMaxUserInstances)
	s.MaxUserWatches.Store(DefaultMaxUserWatches)
	s.uidLock.Init(UidLockClass, 0)
}

// inotifyUser counts one user's instances and watches (user->inotify_devs
// and user->inotify_watches in the seeds; ucounts today).
type inotifyUser struct {
	devs, watches atomic.Int64
}

// user is find_user / alloc_uid: uid's counts.
func (s *sysctls) user(cur *lockdep.Task, uid uint32) *inotifyUser {
	s.uidLock.Lock(cur)
	defer s.uidLock.Unlock(cur)
	u := s.users[uid]
	if u == nil {
		u = &inotifyUser{}
		s.users[uid] = u
	}
	return u
}

// tryInc adds one to c unless that would pass max (inc_ucount).
func tryInc(c *atomic.Int64, max int64) bool {
	for {
		n := c.Load()
		if n >= max {
			return false
		}
		if c.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

// Notifier returns the hooks the VFS calls: include/linux/fsnotify.h of the
// personality's era over this inotify.
func (in *Inotify) Notifier() vfs.Notifier { return hooks.Fsnotify{T: in, P: in.p} }

// inotifyDevice is struct inotify_device: the handle, the event queue and
// the per-instance state. It is its handle's inotify_operations and its
// file's file_operations.
type inotifyDevice struct {
	in    *Inotify
	ID    uint64
	Count kref.Ref // count
	user  *inotifyUser
	ih    *InotifyHandle
	queue *Queue // holds dev->ev_mutex

	// UpMutex (dev->up_mutex) serialises watch creation and update.
	UpMutex lockdep.Mutex
}

var (
	_ Operations         = (*inotifyDevice)(nil)
	_ vfs.FileOperations = (*inotifyDevice)(nil)
	_ vfs.Reader         = (*inotifyDevice)(nil)
	_ vfs.Ioctler        = (*inotifyDevice)(nil)
	_ vfs.Poller         = (*inotifyDevice)(nil)
)

// get is get_inotify_dev.
func (dev *inotifyDevice) get() { dev.Count.Get() }

// put is put_inotify_dev.
func (dev *inotifyDevice) put() {
	if dev.Count.Put() {
		dev.user.devs.Add(-1)
	}
}

// HandleEvent is inotify_dev_queue_event, the handle's handle_event op.
// IN_IGNORED drops the watch's initial reference before queueing (the final
// put happens even if the event itself is lost to overflow). Seed 002 drops
// it for IN_ONESHOT too, but tests the *event* mask, which never carries
// IN_ONESHOT: a fired oneshot watch of 2.6.18–2.6.25 is never freed (its
// watch, inode, handle and device references leak, and it stays counted
// against max_user_watches and its device against max_user_instances;
// fixed by ac74c00e499e, after seed 002). personality.BugOneshotUnmount
// puts that fix back, with the bug it exposed in inotify_unmount_inodes.
// Precondition: inode->inotify_mutex and ih->mutex are held.
func (dev *inotifyDevice) HandleEvent(cur *lockdep.Task, w *InotifyWatch, wd int32, mask uapi.Mask, cookie uint32, name string) {
	lockdep.AssertHeld(cur, &watchesOf(w.inode).mutex)
	lockdep.AssertHeld(cur, &dev.ih.Mutex)
	q := dev.queue
	q.EvMutex.Lock(cur)
	oneshot := mask&uapi.IN_ONESHOT != 0
	if dev.in.p.Has(personality.BugOneshotUnmount) {
		oneshot = w.mask&uapi.IN_ONESHOT != 0 // ac74c00e499e
	}
	if mask&uapi.IN_IGNORED != 0 || oneshot {
		PutInotifyWatch(cur, w) // final put
	}
	q.QueueEventLocked(cur, wd, mask, cookie, name)
	q.EvMutex.Unlock(cur)
}

// DestroyWatch is free_inotify_user_watch, the handle's destroy_watch op.
func (dev *inotifyDevice) DestroyWatch(cur *lockdep.Task, w *InotifyWatch) {
	dev.user.watches.Add(-1)
	dev.put()
}

// Release is inotify_release: every watch goes without an event, queued
// events are freed, and the file's device reference is dropped.
func (dev *inotifyDevice) Release(cur *lockdep.Task, f *vfs.File) {
	dev.ih.Destroy(cur)
	dev.queue.Flush(cur)
	dev.put()
}

// Read is inotify_read.
func (dev *inotifyDevice) Read(ctx context.Context, cur *lockdep.Task, f *vfs.File, n int) ([]byte, error) {
	return dev.queue.Read(ctx, cur, n, f.Flags&uapi.O_NONBLOCK != 0)
}

// Ioctl is inotify_ioctl: FIONREAD returns the bytes queued; others are
// ENOTTY (INOTIFY_IOC_SETNEXTWD came with 4.14's idr cursor).
func (dev *inotifyDevice) Ioctl(cur *lockdep.Task, f *vfs.File, req uint, arg int64) (int, error) {
	if req == uapi.FIONREAD {
		return dev.queue.Fionread(cur), nil
	}
	return -1, syscall.ENOTTY
}

// Poll is inotify_poll: readable iff an event is queued.
func (dev *inotifyDevice) Poll(cur *lockdep.Task, f *vfs.File) bool {
	return dev.queue.Poll(cur)
}

// createWatch makes a new watch of dev on ino (create_watch): ENOSPC past
// max_user_watches. Precondition: dev->up_mutex is held.
func (dev *inotifyDevice) createWatch(cur *lockdep.Task, ino *inode.Inode, mask uapi.Mask) (int32, error) {
	lockdep.AssertHeld(cur, &dev.UpMutex)
	if !tryInc(&dev.user.watches, dev.in.MaxUserWatches.Load()) {
		return 0, syscall.ENOSPC
	}
	dev.get()
	lockdep.MightSleep(cur) // kmem_cache_alloc(watch_cachep, GFP_KERNEL)
	w := &InotifyWatch{}
	wd, err := dev.ih.AddWatch(cur, w, ino, mask)
	if err != nil {
		dev.DestroyWatch(cur, w)
		return 0, err
	}
	return wd, nil
}

// InotifyInit1 is sys_inotify_init1 (sys_inotify_init is flags 0): flags
// IN_NONBLOCK and IN_CLOEXEC, others EINVAL; EMFILE past
// max_user_instances.
func (in *Inotify) InotifyInit1(c hooks.Caller, flags int) (int, error) {
	if flags&^(uapi.IN_CLOEXEC|uapi.IN_NONBLOCK) != 0 {
		return -1, syscall.EINVAL
	}
	cur := c.Cur()
	user := in.user(cur, c.Ctx().Cred.Uid)
	if !tryInc(&user.devs, in.MaxUserInstances.Load()) {
		return -1, syscall.EMFILE
	}
	dev := &inotifyDevice{in: in, ID: in.devIDs.Add(1), user: user}
	dev.Count.Init(in.refs, "inotify_device", dev.ID, 1)
	dev.UpMutex.Init(UpMutexClass, dev.ID)
	dev.queue = NewQueue(in.p, int(in.MaxQueuedEvents.Load()), dev.ID)
	dev.ih = in.InotifyInit(dev)
	f := c.VFS().NewAnonFile(cur, dev, uapi.O_RDONLY|flags&uapi.IN_NONBLOCK)
	fd, err := c.InstallFile(f, flags&uapi.IN_CLOEXEC != 0)
	if err != nil {
		vfs.Fput(cur, f)
		return -1, err
	}
	return fd, nil
}

// InotifyAddWatch is sys_inotify_add_watch (seed 002): the fd and its
// type, the lookup (IN_DONT_FOLLOW, IN_ONLYDIR), then MAY_READ on the
// inode (the walk and the permission check are the seeds' find_inode);
// the mask is checked by inotify_find_update_watch and inotify_add_watch.
func (in *Inotify) InotifyAddWatch(c hooks.Caller, fd int, path string, mask uint32) (int, error) {
	cur, m := c.Cur(), uapi.Mask(mask)
	f, err := c.Fget(fd)
	if err != nil {
		return -1, err
	}
	defer vfs.Fput(cur, f)
	dev, ok := f.Ops.(*inotifyDevice)
	if !ok {
		return -1, errNotInotify
	}
	flags := vfs.LOOKUP_FOLLOW
	if m&uapi.IN_DONT_FOLLOW != 0 {
		flags = 0
	}
	if m&uapi.IN_ONLYDIR != 0 {
		flags |= vfs.LOOKUP_DIRECTORY
	}
	v := c.VFS()
	pth, err := v.Walk(c.Ctx(), path, flags)
	if err != nil {
		return -1, err
	}
	defer pth.Put(cur)
	ino := pth.Dentry.Inode(cur)
	if err := v.Permission(c.Ctx(), ino, vfs.MAY_READ); err != nil {
		return -1, err
	}
	dev.UpMutex.Lock(cur)
	defer dev.UpMutex.Unlock(cur)
	wd, err := dev.ih.FindUpdateWatch(cur, ino, m)
	if errors.Is(err, syscall.ENOENT) {
		wd, err = dev.createWatch(cur, ino, m)
	}
	if err != nil {
		return -1, err
	}
	return int(wd), nil
}

// InotifyRmWatch is sys_inotify_rm_watch: the watch goes with IN_IGNORED;
// EINVAL for a wd the instance does not have.
func (in *Inotify) InotifyRmWatch(c hooks.Caller, fd int, wd int) error {
	f, dev, err := inotifyFget(c, fd)
	if err != nil {
		return err
	}
	defer vfs.Fput(c.Cur(), f)
	// The wd is a u32, and the era's idr_find masks it with MAX_ID_MASK:
	// 0x80000001 finds wd 1.
	return dev.ih.RmWd(c.Cur(), int32(uint32(wd)&0x7fffffff))
}

// inotifyFget returns the device behind fd with a file reference (EBADF
// for a bad fd, EINVAL for a file that is not an inotify instance).
func inotifyFget(c hooks.Caller, fd int) (*vfs.File, *inotifyDevice, error) {
	f, err := c.Fget(fd)
	if err != nil {
		return nil, nil, err
	}
	dev, ok := f.Ops.(*inotifyDevice)
	if !ok {
		vfs.Fput(c.Cur(), f)
		return nil, nil, errNotInotify
	}
	return f, dev, nil
}

var _ hooks.Inspector = (*Inotify)(nil)

// InotifyInfo describes the instance behind c's fd, for invariant checks.
func (in *Inotify) InotifyInfo(c hooks.Caller, fd int) (hooks.InstanceInfo, error) {
	f, dev, err := inotifyFget(c, fd)
	if err != nil {
		return hooks.InstanceInfo{}, err
	}
	defer vfs.Fput(c.Cur(), f)
	var info hooks.InstanceInfo
	info.WdsInIdr, info.WdsOnList = dev.ih.Wds(c.Cur())
	info.Queue = dev.queue.Snapshot(c.Cur())
	return info, nil
}
