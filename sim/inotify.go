package sim

// The inotify device: the user-space face of an inotify handle (seed 002's
// fs/inotify_user.c over seed 001's kernel API, with today's semantics and
// errors where the personality says so).
//
// Lock order (seed 002):
//
//	dev->up_mutex          (ensures we don't re-add the same watch)
//	  inode->inotify_mutex (the inode's watch list)
//	    ih->mutex          (the handle's watch list and idr)
//	      dev->ev_mutex    (the event queue)
//
// Lifetimes (seed 002): an inotifyDevice lives from inotify_init1 to the
// release of its file, plus one reference per watch (get at create_watch,
// put at destroy_watch). A watch lives from create_watch to the IN_IGNORED
// that drops its initial reference, or to the release of the instance.
// Per-user counts (instances, watches) follow the device and the watches.

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"syscall"

	"github.com/inosim/inosim/handle"
	"github.com/inosim/inosim/inode"
	"github.com/inosim/inosim/internal/kref"
	"github.com/inosim/inosim/internal/lockdep"
	"github.com/inosim/inosim/internal/personality"
	"github.com/inosim/inosim/kevent"
	"github.com/inosim/inosim/uapi"
	"github.com/inosim/inosim/vfs"
	"github.com/inosim/inosim/watch"
)

// Lock classes of the device layer.
var (
	upMutexClass  = lockdep.NewClass("dev->up_mutex")
	uidLockClass  = lockdep.NewClass("uidhash_lock")
	errNotInotify = syscall.EINVAL
)

// Sysctl defaults: Linux's (max_user_watches at its floor; a real host
// derives a larger one from its memory).
const (
	DefaultMaxQueuedEvents  = 16384
	DefaultMaxUserInstances = 128
	DefaultMaxUserWatches   = 8192
)

// inotifyState is the kernel-wide inotify state: the handle layer's Env,
// the /proc/sys/fs/inotify sysctls and the per-user counts.
type inotifyState struct {
	env *handle.Env

	maxQueuedEvents  atomic.Int64
	maxUserInstances atomic.Int64
	maxUserWatches   atomic.Int64
	devIDs           atomic.Uint64

	// uidLock protects users.
	uidLock lockdep.Mutex
	users   map[uint32]*inotifyUser
}

// inotifyUser counts one user's instances and watches (user->inotify_devs
// and user->inotify_watches in the seeds; ucounts today).
type inotifyUser struct {
	devs, watches atomic.Int64
}

func newInotifyState(p *personality.P, refs *kref.Tracker) *inotifyState {
	s := &inotifyState{env: handle.NewEnv(p, nil, refs), users: map[uint32]*inotifyUser{}}
	s.maxQueuedEvents.Store(DefaultMaxQueuedEvents)
	s.maxUserInstances.Store(DefaultMaxUserInstances)
	s.maxUserWatches.Store(DefaultMaxUserWatches)
	s.uidLock.Init(uidLockClass, 0)
	return s
}

func (s *inotifyState) user(cur *lockdep.Task, uid uint32) *inotifyUser {
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

// Sysctl names.
var sysctls = map[string]func(*inotifyState) *atomic.Int64{
	"max_queued_events":  func(s *inotifyState) *atomic.Int64 { return &s.maxQueuedEvents },
	"max_user_instances": func(s *inotifyState) *atomic.Int64 { return &s.maxUserInstances },
	"max_user_watches":   func(s *inotifyState) *atomic.Int64 { return &s.maxUserWatches },
}

// SetSysctl sets /proc/sys/fs/inotify/KEY. max_queued_events is copied into
// an instance when it is created; the per-user limits apply at once.
// Negative values are EINVAL (proc_dointvec_minmax with min 0).
func (k *Kernel) SetSysctl(key string, v int64) error {
	get, ok := sysctls[key]
	if !ok {
		return fmt.Errorf("sysctl %q: %w", key, syscall.ENOENT)
	}
	if v < 0 || v > 1<<31-1 {
		return fmt.Errorf("sysctl %s=%d: %w", key, v, syscall.EINVAL)
	}
	get(k.inotify).Store(v)
	return nil
}

// Sysctl reads /proc/sys/fs/inotify/KEY.
func (k *Kernel) Sysctl(key string) (int64, error) {
	get, ok := sysctls[key]
	if !ok {
		return 0, fmt.Errorf("sysctl %q: %w", key, syscall.ENOENT)
	}
	return get(k.inotify).Load(), nil
}

// Personality returns the kernel's personality.
func (k *Kernel) Personality() *personality.P { return k.inotify.env.P }

// inotifyDevice is struct inotify_device: the handle, the event queue and
// the per-instance state.
type inotifyDevice struct {
	k     *Kernel
	ID    uint64
	Count kref.Ref // count
	user  *inotifyUser
	ih    *handle.InotifyHandle
	queue *kevent.Queue // holds dev->ev_mutex

	// UpMutex (dev->up_mutex) serialises watch creation and update.
	UpMutex lockdep.Mutex
}

func (dev *inotifyDevice) get() { dev.Count.Get() }

// put is put_inotify_dev.
func (dev *inotifyDevice) put() {
	if dev.Count.Put() {
		dev.user.devs.Add(-1)
	}
}

// HandleEvent is inotify_dev_queue_event, the handle's handle_event op.
// IN_IGNORED drops the watch's initial reference before queueing (the final
// put happens even if the event itself is lost to overflow).
// Precondition: inode->inotify_mutex and ih->mutex are held.
func (dev *inotifyDevice) HandleEvent(cur *lockdep.Task, w *watch.InotifyWatch, wd int32, mask uapi.Mask, cookie uint32, name string) {
	lockdep.AssertHeld(cur, &dev.ih.Mutex)
	q := dev.queue
	q.EvMutex.Lock(cur)
	if mask&uapi.IN_IGNORED != 0 {
		watch.Put(cur, w)
	}
	q.QueueEventLocked(cur, wd, mask, cookie, name)
	q.EvMutex.Unlock(cur)
}

// DestroyWatch is free_inotify_user_watch, the handle's destroy_watch op.
func (dev *inotifyDevice) DestroyWatch(cur *lockdep.Task, w *watch.InotifyWatch) {
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

// createWatch makes a new watch of dev on ino (create_watch): ENOSPC past
// max_user_watches. Precondition: dev->up_mutex is held.
func (dev *inotifyDevice) createWatch(cur *lockdep.Task, ino *inode.Inode, mask uapi.Mask) (int32, error) {
	lockdep.AssertHeld(cur, &dev.UpMutex)
	if !tryInc(&dev.user.watches, dev.k.inotify.maxUserWatches.Load()) {
		return 0, syscall.ENOSPC
	}
	dev.get()
	w := &watch.InotifyWatch{Private: dev}
	wd, err := dev.ih.AddWatch(cur, w, ino, mask)
	if err != nil {
		dev.DestroyWatch(cur, w)
		return 0, err
	}
	return wd, nil
}

// InotifyInit is inotify_init(2): inotify_init1 with no flags.
func (t *Task) InotifyInit() (int, error) {
	t.Enter("inotify_init")
	defer t.Exit()
	return t.inotifyInit1(0)
}

// InotifyInit1 is inotify_init1(2): flags IN_NONBLOCK and IN_CLOEXEC;
// others are EINVAL. EMFILE past max_user_instances.
func (t *Task) InotifyInit1(flags int) (int, error) {
	t.Enter("inotify_init1")
	defer t.Exit()
	if !t.k.Personality().Init1 {
		return -1, syscall.ENOSYS
	}
	return t.inotifyInit1(flags)
}

func (t *Task) inotifyInit1(flags int) (int, error) {
	if flags&^(uapi.IN_CLOEXEC|uapi.IN_NONBLOCK) != 0 {
		return -1, syscall.EINVAL
	}
	cur, s := t.Cur(), t.k.inotify
	user := s.user(cur, t.Ctx().Cred.Uid)
	if !tryInc(&user.devs, s.maxUserInstances.Load()) {
		return -1, syscall.EMFILE
	}
	dev := &inotifyDevice{k: t.k, ID: s.devIDs.Add(1), user: user}
	dev.Count.Init(t.k.Refs(), "inotify_device", dev.ID, 1)
	dev.UpMutex.Init(upMutexClass, dev.ID)
	dev.queue = kevent.NewQueue(s.env.P, int(s.maxQueuedEvents.Load()), dev.ID)
	dev.ih = s.env.InotifyInit(dev)
	f := t.k.VFS().NewAnonFile(cur, dev, dev, uapi.O_RDONLY|flags&uapi.IN_NONBLOCK)
	fd, err := t.InstallFile(f, flags&uapi.IN_CLOEXEC != 0)
	if err != nil {
		vfs.Fput(cur, f)
		return -1, err
	}
	return fd, nil
}

// inotifyFget returns the device behind fd with a file reference (EBADF
// for a bad fd, EINVAL for a file that is not an inotify instance).
func (t *Task) inotifyFget(fd int) (*vfs.File, *inotifyDevice, error) {
	f, err := t.Fget(fd)
	if err != nil {
		return nil, nil, err
	}
	dev, ok := f.Ops.(*inotifyDevice)
	if !ok {
		vfs.Fput(t.Cur(), f)
		return nil, nil, errNotInotify
	}
	return f, dev, nil
}

// InotifyAddWatch is inotify_add_watch(2). Checks come in today's order:
// mask bits, the fd, MASK_ADD with MASK_CREATE, the fd's type, the lookup
// (IN_DONT_FOLLOW, IN_ONLYDIR), then MAY_READ on the inode.
func (t *Task) InotifyAddWatch(fd int, path string, mask uint32) (int, error) {
	t.Enter("inotify_add_watch")
	defer t.Exit()
	p, cur, m := t.k.Personality(), t.Cur(), uapi.Mask(mask)
	if err := cStrings(path); err != nil {
		return -1, err
	}
	if p.ModernMask && (m&^uapi.ALL_INOTIFY_BITS != 0 || m&uapi.ALL_INOTIFY_BITS == 0) {
		return -1, syscall.EINVAL
	}
	f, err := t.Fget(fd)
	if err != nil {
		return -1, err
	}
	defer vfs.Fput(cur, f)
	if p.MaskCreate && m&uapi.IN_MASK_ADD != 0 && m&uapi.IN_MASK_CREATE != 0 {
		return -1, syscall.EINVAL
	}
	dev, ok := f.Ops.(*inotifyDevice)
	if !ok {
		return -1, errNotInotify
	}
	flags := vfs.LOOKUP_FOLLOW
	if p.LookupFlags {
		if m&uapi.IN_DONT_FOLLOW != 0 {
			flags = 0
		}
		if m&uapi.IN_ONLYDIR != 0 {
			flags |= vfs.LOOKUP_DIRECTORY
		}
	}
	pth, err := t.k.VFS().Walk(t.Ctx(), path, flags)
	if err != nil {
		return -1, err
	}
	defer pth.Put(cur)
	ino := pth.Dentry.Inode(cur)
	if err := t.k.VFS().Permission(t.Ctx(), ino, vfs.MAY_READ); err != nil {
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

// InotifyRmWatch is inotify_rm_watch(2): the watch goes with IN_IGNORED;
// EINVAL for a wd the instance does not have.
func (t *Task) InotifyRmWatch(fd int, wd int) error {
	t.Enter("inotify_rm_watch")
	defer t.Exit()
	f, dev, err := t.inotifyFget(fd)
	if err != nil {
		return err
	}
	defer vfs.Fput(t.Cur(), f)
	if wd < -1<<31 || wd > 1<<31-1 {
		return syscall.EINVAL
	}
	return dev.ih.RmWd(t.Cur(), int32(wd))
}

// Ioctl is ioctl(2) on an inotify fd (inotify_ioctl): FIONREAD returns the
// bytes queued, INOTIFY_IOC_SETNEXTWD sets the next wd to try; others are
// ENOTTY, as on a file that is not an inotify instance.
func (t *Task) Ioctl(fd int, req uint, arg int64) (int, error) {
	t.Enter("ioctl")
	defer t.Exit()
	f, err := t.Fget(fd)
	if err != nil {
		return -1, err
	}
	defer vfs.Fput(t.Cur(), f)
	dev, ok := f.Ops.(*inotifyDevice)
	if !ok {
		return -1, syscall.ENOTTY
	}
	switch {
	case req == uapi.FIONREAD:
		return dev.queue.Fionread(t.Cur()), nil
	case req == uapi.INOTIFY_IOC_SETNEXTWD && t.k.Personality().SetNextWd:
		return 0, dev.ih.SetNextWd(t.Cur(), arg)
	}
	return -1, syscall.ENOTTY
}

// Poll reports whether read on fd would not block (POLLIN): for an inotify
// fd, iff an event is queued; regular files are always readable.
func (t *Task) Poll(fd int) (bool, error) {
	t.Enter("poll")
	defer t.Exit()
	f, err := t.Fget(fd)
	if err != nil {
		return false, err
	}
	defer vfs.Fput(t.Cur(), f)
	if dev, ok := f.Ops.(*inotifyDevice); ok {
		return dev.queue.Poll(t.Cur()), nil
	}
	return true, nil
}

// InotifyInfo is a snapshot of one instance, for invariant checks.
type InotifyInfo struct {
	WdsInIdr, WdsOnList []int32
	Queue               kevent.Snapshot
}

// InotifyInfo describes the instance behind fd.
func (t *Task) InotifyInfo(fd int) (InotifyInfo, error) {
	f, dev, err := t.inotifyFget(fd)
	if err != nil {
		return InotifyInfo{}, err
	}
	defer vfs.Fput(t.Cur(), f)
	var info InotifyInfo
	info.WdsInIdr, info.WdsOnList = dev.ih.Wds(t.Cur())
	info.Queue = dev.queue.Snapshot(t.Cur())
	return info, nil
}
