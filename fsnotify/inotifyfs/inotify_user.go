package inotifyfs

// fs/notify/inotify/inotify_user.c: the system calls, the instance's file
// operations, the idr of watch descriptors, and the sysctls.

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"syscall"

	"github.com/inosim/inosim/dentry"
	"github.com/inosim/inosim/fsnotify"
	"github.com/inosim/inosim/hooks"
	"github.com/inosim/inosim/inode"
	"github.com/inosim/inosim/internal/idr"
	"github.com/inosim/inosim/internal/kref"
	"github.com/inosim/inosim/internal/lockdep"
	"github.com/inosim/inosim/internal/personality"
	"github.com/inosim/inosim/internal/sched"
	"github.com/inosim/inosim/uapi"
	"github.com/inosim/inosim/vfs"
)

// IdrLockClass is group->inotify_data.idr_lock.
var IdrLockClass = lockdep.NewClass("group->inotify_data.idr_lock")

// Sysctl defaults: inotify_user_setup's (max_user_watches at its floor; a
// real host derives a larger one from its memory).
const (
	DefaultMaxQueuedEvents  = 16384
	DefaultMaxUserInstances = 128
	DefaultMaxUserWatches   = 8192
)

// Inotify is the kernel-wide state of fs/notify/inotify (the sysctls, the
// ucounts it charges) over the kernel's fs/notify. It is the kernel's
// hooks.Backend.
type Inotify struct {
	p       *personality.P
	fs      *fsnotify.Fsnotify
	refs    *kref.Tracker
	ucounts ucountTable

	maxQueuedEvents atomic.Int64 // inotify_max_queued_events
}

var (
	_ hooks.Backend   = (*Inotify)(nil)
	_ hooks.Kthread   = (*Inotify)(nil)
	_ hooks.Inspector = (*Inotify)(nil)
)

// New returns the inotify of a new kernel whose dentries live in dc, over
// a new fs/notify (inotify_user_setup, after fsnotify_init).
func New(p *personality.P, dc *dentry.Dcache, refs *kref.Tracker, v *lockdep.Validator) *Inotify {
	in := &Inotify{p: p, fs: fsnotify.New(p, dc, refs, v), refs: refs}
	in.ucounts.init(refs)
	in.maxQueuedEvents.Store(DefaultMaxQueuedEvents)
	in.ucounts.max[UCOUNT_INOTIFY_INSTANCES].Store(DefaultMaxUserInstances)
	in.ucounts.max[UCOUNT_INOTIFY_WATCHES].Store(DefaultMaxUserWatches)
	return in
}

// Fsnotify returns the fs/notify under this inotify.
func (in *Inotify) Fsnotify() *fsnotify.Fsnotify { return in.fs }

// Notifier returns the hooks the VFS calls: include/linux/fsnotify.h over
// today's fs/notify.
func (in *Inotify) Notifier() vfs.Notifier { return hooks.Fsnotify{F: in.fs, P: in.p} }

// RunQueuedWork runs fs/notify's reaper (hooks.Kthread).
func (in *Inotify) RunQueuedWork(cur *lockdep.Task) { in.fs.RunQueuedWork(cur) }

// sysctl returns the variable behind /proc/sys/fs/inotify/key.
func (in *Inotify) sysctl(key string) (*atomic.Int64, error) {
	switch key {
	case "max_queued_events":
		return &in.maxQueuedEvents, nil
	case "max_user_instances":
		return &in.ucounts.max[UCOUNT_INOTIFY_INSTANCES], nil
	case "max_user_watches":
		return &in.ucounts.max[UCOUNT_INOTIFY_WATCHES], nil
	}
	return nil, fmt.Errorf("sysctl %q: %w", key, syscall.ENOENT)
}

// SetSysctl sets /proc/sys/fs/inotify/KEY (inotify_table:
// inotify_max_queued_events and init_user_ns's ucount_max for
// max_user_instances and max_user_watches). max_queued_events is copied
// into an instance when it is created; the per-user limits apply at once.
// Values outside [0, INT_MAX] are EINVAL (proc_dointvec_minmax).
func (in *Inotify) SetSysctl(key string, v int64) error {
	c, err := in.sysctl(key)
	if err != nil {
		return err
	}
	if v < 0 || v > 1<<31-1 {
		return fmt.Errorf("sysctl %s=%d: %w", key, v, syscall.EINVAL)
	}
	c.Store(v)
	return nil
}

// Sysctl reads /proc/sys/fs/inotify/KEY.
func (in *Inotify) Sysctl(key string) (int64, error) {
	c, err := in.sysctl(key)
	if err != nil {
		return 0, err
	}
	return c.Load(), nil
}

// group is an inotify instance: struct inotify_group_private_data (the
// idr and its lock, the ucounts), the fsnotify group's ops, and its
// file's file_operations (inotify_fops).
type group struct {
	in      *Inotify
	fsg     *fsnotify.Group
	ucounts *ucounts // nil until inc_ucount succeeded

	// mergeFn is merge as the func value InsertEvent takes (inotify_merge
	// is a function pointer), made once rather than at every event.
	mergeFn func(cur *lockdep.Task, fsg *fsnotify.Group, e *fsnotify.Event) bool

	// idrLock (idr_lock) protects idr and, for writers, each mark's wd.
	idrLock lockdep.Mutex
	idr     idr.IDR[*inodeMark]
}

var (
	_ fsnotify.Ops       = (*group)(nil)
	_ vfs.FileOperations = (*group)(nil)
	_ vfs.Reader         = (*group)(nil)
	_ vfs.Ioctler        = (*group)(nil)
	_ vfs.Poller         = (*group)(nil)
	_ vfs.PollWaiter     = (*group)(nil)
)

// INOTIFY_MARK_FLAGS are the mark flags inotify's arg sets.
const INOTIFY_MARK_FLAGS = fsnotify.FSNOTIFY_MARK_FLAG_EXCL_UNLINK | fsnotify.FSNOTIFY_MARK_FLAG_IN_ONESHOT

// argToMask is inotify_arg_to_mask: the events asked for, plus FS_UNMOUNT
// (every watch gets it; not with BugNoUnmountEvent), plus
// FS_EVENT_ON_CHILD for a directory (every directory watch cares about its
// children).
func argToMask(p *personality.P, ino *inode.Inode, arg uapi.Mask) uapi.Mask {
	mask := fsnotify.FS_UNMOUNT
	if p.Has(personality.BugNoUnmountEvent) {
		mask = 0
	}
	if ino.IsDir() {
		mask |= fsnotify.FS_EVENT_ON_CHILD
	}
	return mask | arg&uapi.IN_ALL_EVENTS
}

// argToFlags is inotify_arg_to_flags: IN_EXCL_UNLINK and IN_ONESHOT become
// mark flags.
func argToFlags(arg uapi.Mask) uint32 {
	var flags uint32
	if arg&uapi.IN_EXCL_UNLINK != 0 {
		flags |= fsnotify.FSNOTIFY_MARK_FLAG_EXCL_UNLINK
	}
	if arg&uapi.IN_ONESHOT != 0 {
		flags |= fsnotify.FSNOTIFY_MARK_FLAG_IN_ONESHOT
	}
	return flags
}

// maskToArg is inotify_mask_to_arg: what of an fsnotify mask user space
// sees.
func maskToArg(mask uapi.Mask) uapi.Mask {
	return mask & (uapi.IN_ALL_EVENTS | uapi.IN_ISDIR | uapi.IN_UNMOUNT | uapi.IN_IGNORED | uapi.IN_Q_OVERFLOW)
}

// PollWait is inotify_poll with its poll_wait on notification_waitq:
// readable iff an event is queued; the channel closes at the next queued
// event. The sleeper counts as a waiter until done.
func (g *group) PollWait(cur *lockdep.Task, f *vfs.File, events uint32) (uint32, <-chan struct{}, func(*lockdep.Task)) {
	g.fsg.NotificationLock.Lock(cur)
	defer g.fsg.NotificationLock.Unlock(cur)
	w := g.fsg.PrepareWaitLocked(cur, true)
	var mask uint32
	if !g.fsg.NotifyQueueIsEmptyLocked(cur) {
		mask = uapi.POLLIN | uapi.POLLRDNORM
	}
	return mask, w.Chan(), func(cur *lockdep.Task) { g.fsg.FinishWait(cur, w) }
}

// Poll is inotify_poll: readable iff an event is queued.
func (g *group) Poll(cur *lockdep.Task, f *vfs.File) bool {
	g.fsg.NotificationLock.Lock(cur)
	defer g.fsg.NotificationLock.Unlock(cur)
	return !g.fsg.NotifyQueueIsEmptyLocked(cur)
}

// getOneEventLocked takes the oldest event off the queue if it fits in
// count bytes (get_one_event): nil if the queue is empty, EINVAL if it
// does not fit. Precondition: notification_lock is held.
func (g *group) getOneEventLocked(cur *lockdep.Task, count int) (*eventInfo, error) {
	lockdep.AssertHeld(cur, &g.fsg.NotificationLock)
	e := g.fsg.PeekFirstEventLocked(cur)
	if e == nil {
		return nil, nil
	}
	ev := inotifyE(e)
	if ev.size() > count {
		return nil, syscall.EINVAL
	}
	g.fsg.RemoveFirstEventLocked(cur)
	return ev, nil
}

// fitLocked is the bytes of the queued events, oldest first, that fit in
// room: what the rest of a read can return, so that the buffer it returns
// is allocated once (the kernel copies to the user's buffer and allocates
// nothing). Precondition: notification_lock is held.
func (g *group) fitLocked(cur *lockdep.Task, room int) int {
	lockdep.AssertHeld(cur, &g.fsg.NotificationLock)
	n := 0
	for e := g.fsg.PeekFirstEventLocked(cur); e != nil; e = e.Next() {
		s := inotifyE(e).size()
		if n+s > room {
			break
		}
		n += s
	}
	return n
}

// copyEventToUser appends the event as user space reads it
// (copy_event_to_user).
func copyEventToUser(buf []byte, ev *eventInfo) []byte {
	return uapi.Event{Wd: ev.wd, Mask: maskToArg(ev.mask), Cookie: ev.cookie, Name: ev.name}.AppendEncode(buf)
}

// Read is inotify_read: whole events, one at a time under
// notification_lock, while they fit; with none queued, wait unless the
// file is non-blocking (EAGAIN) or a signal comes (ctx: EINTR). An event
// that does not fit ends the read: EINVAL if nothing was read yet.
func (g *group) Read(ctx context.Context, cur *lockdep.Task, f *vfs.File, count int) ([]byte, error) {
	nonblock := f.Flags&uapi.O_NONBLOCK != 0
	var buf []byte
	var err error
	var w sched.Waiter
	for {
		g.fsg.NotificationLock.Lock(cur)
		ev, e := g.getOneEventLocked(cur, count-len(buf))
		if ev != nil {
			if buf == nil {
				buf = make([]byte, 0, ev.size()+g.fitLocked(cur, count-ev.size()))
			}
			g.fsg.NotificationLock.Unlock(cur)
			buf = copyEventToUser(buf, ev)
			g.fsg.DestroyEvent(cur, &ev.fse)
			continue
		}
		if e == nil && !nonblock && len(buf) == 0 {
			w = g.fsg.PrepareWaitLocked(cur, false) // about to sleep
		}
		g.fsg.NotificationLock.Unlock(cur)
		if e != nil {
			err = e
			break
		}
		if nonblock {
			err = syscall.EAGAIN
			break
		}
		if len(buf) > 0 {
			break
		}
		if ctx.Err() != nil {
			g.fsg.FinishWait(cur, w)
			err = syscall.EINTR
			break
		}
		w.Sleep(ctx, cur) // schedule()
		g.fsg.FinishWait(cur, w)
	}
	if len(buf) > 0 {
		return buf, nil
	}
	return nil, err
}

// Release is inotify_release: the group is destroyed
// (fsnotify_destroy_group), the file's reference with it.
func (g *group) Release(cur *lockdep.Task, f *vfs.File) {
	g.in.fs.DestroyGroup(cur, g.fsg)
}

// Ioctl is inotify_ioctl: FIONREAD returns the bytes queued (a walk of
// the queue under notification_lock), INOTIFY_IOC_SETNEXTWD sets the idr's
// cursor (1 <= wd <= INT_MAX, else EINVAL); others are ENOTTY.
func (g *group) Ioctl(cur *lockdep.Task, f *vfs.File, req uint, arg int64) (int, error) {
	switch req {
	case uapi.FIONREAD:
		n := 0
		g.fsg.NotificationLock.Lock(cur)
		g.fsg.EventsLocked(cur, func(e *fsnotify.Event) { n += inotifyE(e).size() })
		g.fsg.NotificationLock.Unlock(cur)
		return n, nil
	case uapi.INOTIFY_IOC_SETNEXTWD:
		if arg < 1 || arg > idr.Max {
			return -1, syscall.EINVAL
		}
		g.idrLock.Lock(cur)
		g.idr.SetCursor(uint32(arg))
		g.idrLock.Unlock(cur)
		return 0, nil
	}
	return -1, syscall.ENOTTY
}

// addToIdr gives the mark a wd and the idr a reference on it
// (inotify_add_to_idr: idr_alloc_cyclic(idr, mark, 1, 0)). ENOSPC when
// every wd is in use. With BugWdReuse the lowest free wd from 1 (2.6.31's
// idr_get_new_above(idr, mark, 1)); with BugWdZero, from 0 (idr_get_new).
func (g *group) addToIdr(cur *lockdep.Task, im *inodeMark) error {
	g.idrLock.Lock(cur)
	defer g.idrLock.Unlock(cur)
	var wd int32
	switch p := g.in.p; {
	case p.Has(personality.BugWdZero), p.Has(personality.BugWdReuse):
		start := uint32(1)
		if p.Has(personality.BugWdZero) {
			start = 0
		}
		wd = int32(g.idr.LowestFree(start))
		if wd >= 0 {
			g.idr.Insert(wd, im)
		}
	default:
		wd = g.idr.AllocCyclic(im)
	}
	if wd < 0 {
		return syscall.ENOSPC
	}
	im.wd.Store(wd)
	fsnotify.GetMark(&im.fsn) // we added the mark to the idr
	return nil
}

// idrFindLocked returns the mark of wd with a reference, or nil
// (inotify_idr_find_locked). Precondition: idr_lock is held.
func (g *group) idrFindLocked(cur *lockdep.Task, wd int32) *inodeMark {
	lockdep.AssertHeld(cur, &g.idrLock)
	im, ok := g.idr.Find(wd)
	if !ok {
		return nil
	}
	fsnotify.GetMark(&im.fsn) // one ref for being in the idr, one we just took
	return im
}

// idrFind is inotify_idr_find.
func (g *group) idrFind(cur *lockdep.Task, wd int32) *inodeMark {
	g.idrLock.Lock(cur)
	defer g.idrLock.Unlock(cur)
	return g.idrFindLocked(cur, wd)
}

// removeFromIdr takes the mark out of the idr, if it is there, and drops
// the idr's reference (inotify_remove_from_idr); its wd becomes -1 either
// way. The reference the lookup took is dropped after idr_lock, since it
// may be the last.
func (g *group) removeFromIdr(cur *lockdep.Task, im *inodeMark) {
	g.idrLock.Lock(cur)
	var found *inodeMark
	if wd := im.wd.Load(); wd != -1 {
		found = g.idrFindLocked(cur, wd)
		if found == im { // not some other mark at the right wd
			g.idr.Remove(wd)
			g.in.fs.PutMark(cur, &im.fsn) // removed from the idr, drop that ref
		}
	}
	im.wd.Store(-1)
	g.idrLock.Unlock(cur)
	if found != nil {
		g.in.fs.PutMark(cur, &found.fsn) // match the ref taken by the lookup
	}
}

// updateExistingWatch updates the group's mark on ino with arg and returns
// its wd (inotify_update_existing_watch): ENOENT if there is none, EEXIST
// with IN_MASK_CREATE; IN_MASK_ADD adds to the mask, otherwise mask and
// flags are replaced. The inode's mask is recomputed only if the mark's
// changed in a way it shows. Precondition: mark_mutex is held.
func (g *group) updateExistingWatch(cur *lockdep.Task, ino *inode.Inode, arg uapi.Mask) (int32, error) {
	lockdep.AssertHeld(cur, &g.fsg.MarkMutex)
	fs := g.in.fs
	m := fs.FindMark(cur, ino, g.fsg)
	if m == nil {
		return 0, syscall.ENOENT
	}
	if arg&uapi.IN_MASK_CREATE != 0 && g.in.p.Has(personality.BugMaskCreateLeak) {
		return 0, syscall.EEXIST // 4.19–5.0: fsnotify_find_mark's reference kept
	}
	defer fs.PutMark(cur, m) // match the get from fsnotify_find_mark
	if arg&uapi.IN_MASK_CREATE != 0 {
		return 0, syscall.EEXIST
	}
	m.Lock.Lock(cur)
	oldMask, flags := m.Mask(), m.Flags()
	newMask := argToMask(g.in.p, ino, arg)
	if arg&uapi.IN_MASK_ADD != 0 {
		newMask |= oldMask
	} else {
		flags &^= INOTIFY_MARK_FLAGS
	}
	m.SetMaskLocked(cur, newMask)
	m.SetFlagsLocked(cur, flags|argToFlags(arg))
	m.Lock.Unlock(cur)
	if oldMask != newMask {
		dropped := oldMask &^ newMask
		doInode := newMask &^ fsnotify.InodeMask(ino)
		if dropped != 0 || doInode != 0 {
			fs.RecalcMask(cur, m.Connector())
		}
	}
	return iMark(m).wd.Load(), nil
}

// newWatch makes a new mark of the group on ino and returns its wd
// (inotify_new_watch): into the idr, counted against the user's
// max_user_watches (ENOSPC), then onto the inode.
// Precondition: mark_mutex is held.
func (g *group) newWatch(cur *lockdep.Task, ino *inode.Inode, arg uapi.Mask) (int32, error) {
	lockdep.AssertHeld(cur, &g.fsg.MarkMutex)
	fs := g.in.fs
	im := &inodeMark{}
	fs.InitMark(&im.fsn, g.fsg)
	im.fsn.Lock.Lock(cur)
	im.fsn.SetMaskLocked(cur, argToMask(g.in.p, ino, arg))
	im.fsn.SetFlagsLocked(cur, argToFlags(arg))
	im.fsn.Lock.Unlock(cur)
	im.wd.Store(-1)
	defer fs.PutMark(cur, &im.fsn) // match the ref from fsnotify_init_mark

	if err := g.addToIdr(cur, im); err != nil {
		return 0, err
	}
	if uc := g.in.ucounts.inc(cur, g.ucounts.uid, UCOUNT_INOTIFY_WATCHES); uc == nil { // inc_inotify_watches
		g.removeFromIdr(cur, im)
		return 0, syscall.ENOSPC
	}
	if err := fs.AddInodeMarkLocked(cur, &im.fsn, ino, false); err != nil {
		// We failed to get on the inode, get off the idr (the kernel
		// leaves the watch counted: add cannot fail for inotify).
		g.removeFromIdr(cur, im)
		return 0, err
	}
	return im.wd.Load(), nil
}

// updateWatch is inotify_update_watch: under mark_mutex, update the
// group's watch on ino or make one.
func (g *group) updateWatch(cur *lockdep.Task, ino *inode.Inode, arg uapi.Mask) (int32, error) {
	g.fsg.MarkMutex.Lock(cur)
	defer g.fsg.MarkMutex.Unlock(cur)
	wd, err := g.updateExistingWatch(cur, ino, arg)
	if errors.Is(err, syscall.ENOENT) {
		wd, err = g.newWatch(cur, ino, arg)
	}
	return wd, err
}

// newGroup makes an instance's group (inotify_new_group): the overflow
// event, max_queued_events copied, an empty idr, and the user's instance
// count (EMFILE past max_user_instances).
func (in *Inotify) newGroup(cur *lockdep.Task, uid uint32) (*group, error) {
	g := &group{in: in}
	g.mergeFn = g.merge
	g.fsg = in.fs.AllocGroup(g)
	g.idrLock.Init(IdrLockClass, g.fsg.ID)
	oe := &eventInfo{mask: fsnotify.FS_Q_OVERFLOW, wd: -1}
	g.fsg.SetQueueLimits(int(in.maxQueuedEvents.Load()), &oe.fse)
	g.ucounts = in.ucounts.inc(cur, uid, UCOUNT_INOTIFY_INSTANCES)
	if g.ucounts == nil {
		in.fs.DestroyGroup(cur, g.fsg)
		return nil, syscall.EMFILE
	}
	return g, nil
}

// InotifyInit1 is do_inotify_init (inotify_init1; inotify_init is flags
// 0): IN_NONBLOCK and IN_CLOEXEC, others EINVAL; EMFILE past
// max_user_instances or with no fd free.
func (in *Inotify) InotifyInit1(c hooks.Caller, flags int) (int, error) {
	if flags&^(uapi.IN_CLOEXEC|uapi.IN_NONBLOCK) != 0 {
		return -1, syscall.EINVAL
	}
	cur := c.Cur()
	g, err := in.newGroup(cur, c.Ctx().Cred.Uid)
	if err != nil {
		return -1, err
	}
	f := c.VFS().NewAnonFile(cur, g, uapi.O_RDONLY|flags&uapi.IN_NONBLOCK)
	fd, err := c.InstallFile(f, flags&uapi.IN_CLOEXEC != 0)
	if err != nil {
		vfs.Fput(cur, f) // inotify_release: fsnotify_destroy_group
		return -1, err
	}
	return fd, nil
}

// InotifyAddWatch is sys_inotify_add_watch: the mask's bits (EINVAL for
// an unknown bit or none), the fd (EBADF), IN_MASK_ADD with IN_MASK_CREATE
// (EINVAL), the fd's type (EINVAL), the lookup (IN_DONT_FOLLOW,
// IN_ONLYDIR) and MAY_READ on the inode (inotify_find_inode), then
// inotify_update_watch.
func (in *Inotify) InotifyAddWatch(c hooks.Caller, fd int, path string, mask uint32) (int, error) {
	cur, m := c.Cur(), uapi.Mask(mask)
	if m&^uapi.ALL_INOTIFY_BITS != 0 || m&uapi.ALL_INOTIFY_BITS == 0 {
		return -1, syscall.EINVAL
	}
	f, err := c.Fget(fd)
	if err != nil {
		return -1, err
	}
	defer vfs.Fput(cur, f)
	if m&uapi.IN_MASK_ADD != 0 && m&uapi.IN_MASK_CREATE != 0 {
		return -1, syscall.EINVAL
	}
	g, ok := f.Ops.(*group)
	if !ok {
		return -1, syscall.EINVAL
	}
	flags := 0
	if m&uapi.IN_DONT_FOLLOW == 0 {
		flags |= vfs.LOOKUP_FOLLOW
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
	wd, err := g.updateWatch(cur, ino, m)
	if err != nil {
		return -1, err
	}
	return int(wd), nil
}

// InotifyRmWatch is sys_inotify_rm_watch: the mark of wd is destroyed,
// which sends IN_IGNORED; EINVAL for a wd the instance does not have.
func (in *Inotify) InotifyRmWatch(c hooks.Caller, fd int, wd int) error {
	f, g, err := groupFget(c, fd)
	if err != nil {
		return err
	}
	cur := c.Cur()
	defer vfs.Fput(cur, f)
	if wd < -1<<31 || wd > 1<<31-1 {
		return syscall.EINVAL
	}
	im := g.idrFind(cur, int32(wd))
	if im == nil {
		return syscall.EINVAL
	}
	in.fs.DestroyMark(cur, &im.fsn, g.fsg)
	in.fs.PutMark(cur, &im.fsn) // match the ref taken by inotify_idr_find
	return nil
}

// groupFget returns the instance behind fd with a file reference (EBADF
// for a bad fd, EINVAL for a file that is not an inotify instance).
func groupFget(c hooks.Caller, fd int) (*vfs.File, *group, error) {
	f, err := c.Fget(fd)
	if err != nil {
		return nil, nil, err
	}
	g, ok := f.Ops.(*group)
	if !ok {
		vfs.Fput(c.Cur(), f)
		return nil, nil, syscall.EINVAL
	}
	return f, g, nil
}

// InotifyInfo describes the instance behind c's fd, for invariant checks:
// the wds in its idr, the wds of the marks on its group's list, and its
// queue.
func (in *Inotify) InotifyInfo(c hooks.Caller, fd int) (hooks.InstanceInfo, error) {
	f, g, err := groupFget(c, fd)
	if err != nil {
		return hooks.InstanceInfo{}, err
	}
	cur := c.Cur()
	defer vfs.Fput(cur, f)
	var info hooks.InstanceInfo
	g.fsg.MarkMutex.Lock(cur)
	for _, m := range g.fsg.MarksLocked(cur) {
		info.WdsOnList = append(info.WdsOnList, iMark(m).wd.Load())
	}
	g.fsg.MarkMutex.Unlock(cur)
	g.idrLock.Lock(cur)
	info.WdsInIdr = g.idr.IDs()
	g.idrLock.Unlock(cur)

	q := &info.Queue
	g.fsg.NotificationLock.Lock(cur)
	q.EventCount = g.fsg.QLenLocked(cur)
	q.MaxEvents = g.fsg.MaxEvents()
	q.Stats = g.fsg.StatsLocked(cur)
	g.fsg.EventsLocked(cur, func(e *fsnotify.Event) {
		ev := inotifyE(e)
		q.QueueSize += ev.size()
		q.Events = append(q.Events, uapi.Event{Wd: ev.wd, Mask: maskToArg(ev.mask), Cookie: ev.cookie, Name: ev.name})
	})
	g.fsg.NotificationLock.Unlock(cur)
	return info, nil
}
