package inotifydev

// Seed 000's fs/inotify.c up to its "Device Interface" (lines 80-651): the
// globals, the structures, their references, the event queue, the wds,
// create_watch and the kernel API the fsnotify hooks call.

import (
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/inosim/inosim/dentry"
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

// Lock classes of seed 000.
var (
	// InotifySemClass is inode->inotify_sem (include/linux/fs.h of 2.6.13).
	InotifySemClass = lockdep.NewClass("inode->inotify_sem")
	// DevSemClass is struct inotify_device's sem.
	DevSemClass = lockdep.NewClass("dev->sem")
)

// The sysctl defaults the initcall inotify_init sets (lines 1020-1022).
const (
	DefaultMaxQueuedEvents = 8192
	DefaultMaxUserDevices  = 128
	DefaultMaxUserWatches  = 8192
)

// Inotify is the kernel-wide state of seed 000's fs/inotify.c, one per
// simulated kernel: its globals (inotify_cookie and the three sysctls,
// lines 80-90) and the per-user counts it keeps in struct user_struct. It
// is the kernel's hooks.Backend and the hooks.Target that
// include/linux/fsnotify.h calls.
type Inotify struct {
	p    *personality.P // for the hooks' switches only: the rules here are seed 000's
	refs *kref.Tracker

	cookie atomic.Uint32 // inotify_cookie

	// The sysctls (inotify_max_queued_events, inotify_max_user_devices,
	// inotify_max_user_watches; lines 87-90): ints the kernel reads
	// without a lock. Seed 000's inotify_max_user_devices answers to the
	// name it has had since, max_user_instances.
	hooks.InotifyTable

	// users maps a uid to its counts. The kernel reaches the user_struct
	// through current->user without a lock; a sync.Map is the Go stand-in.
	users sync.Map // uint32 → *userStruct

	devIDs, watchIDs atomic.Uint64
}

var (
	_ hooks.Backend = (*Inotify)(nil)
	_ hooks.Target  = (*Inotify)(nil)
)

// userStruct is the part of struct user_struct seed 000 uses: the atomic
// counts inotify_devs and inotify_watches.
type userStruct struct {
	inotifyDevs, inotifyWatches atomic.Int64
}

// user returns uid's user_struct (get_uid(current->user)).
func (in *Inotify) user(uid uint32) *userStruct {
	u, _ := in.users.LoadOrStore(uid, &userStruct{})
	return u.(*userStruct)
}

// New returns the inotify of a new kernel: seed 000's initcall inotify_init
// (lines 1010-1036), which sets the sysctl defaults and the cookie counter.
// Its inotifyfs pseudo mount (inotify_get_sb, kern_mount) is not modelled:
// an instance's file is the VFS's anonymous file. p gives include/linux/
// fsnotify.h's switches for the era (hooks.Fsnotify).
func New(p *personality.P, refs *kref.Tracker) *Inotify {
	in := &Inotify{p: p, refs: refs}
	in.MaxQueuedEvents.Store(DefaultMaxQueuedEvents)
	in.MaxUserInstances.Store(DefaultMaxUserDevices)
	in.MaxUserWatches.Store(DefaultMaxUserWatches)
	return in
}

// Notifier returns the hooks the VFS calls: include/linux/fsnotify.h of
// the personality's era over this inotify.
func (in *Inotify) Notifier() vfs.Notifier { return hooks.Fsnotify{T: in, P: in.p} }

// inodeInotify is the inode's inotify fields of seed 000 (inotify_sem and
// the inotify_watches list head). The kernel has them in every inode from
// inode_init_once; here they are attached on first use (see
// inode.AttachNotify), which changes nothing but the allocation.
type inodeInotify struct {
	// sem (inode->inotify_sem) protects the list and each watch's i_list
	// and mask.
	sem lockdep.Mutex
	// first is the head of the i_list, newest first (list_add). Atomic
	// because Watched reads it without the sem, as inotify_inode_watched
	// does ("we do not care if we race"; Go's race detector does).
	first atomic.Pointer[inotifyWatch]
}

var _ inode.NotifyState = (*inodeInotify)(nil)

// Watched is inotify_inode_watched (lines 475-482):
// !list_empty(&inode->inotify_watches), lockless.
func (s *inodeInotify) Watched() bool { return s.first.Load() != nil }

// stateOf returns ino's inotify fields, nil if nothing used them yet (an
// empty list and a free sem).
func stateOf(ino *inode.Inode) *inodeInotify {
	s, _ := ino.Notify().(*inodeInotify)
	return s
}

// inotifySemOf returns ino's inotify fields, attaching them first if
// needed: for the paths that take inode->inotify_sem whether or not the
// inode has watches.
func inotifySemOf(ino *inode.Inode) *inodeInotify {
	if s := stateOf(ino); s != nil {
		return s
	}
	s := &inodeInotify{}
	s.sem.Init(InotifySemClass, ino.Ino)
	return ino.AttachNotify(s).(*inodeInotify)
}

// watched is inotify_inode_watched for an inode that may have no fields.
func watched(ino *inode.Inode) bool {
	s := stateOf(ino)
	return s != nil && s.Watched()
}

// inotifyDevice is struct inotify_device (lines 118-134): an open instance,
// owning its idr of wds, its watches (the d_list) and its event queue, all
// under one semaphore. The file keeps it in private_data; here the file's
// Ops is the device.
type inotifyDevice struct {
	in    *Inotify
	id    uint64
	count kref.Ref    // count
	user  *userStruct // user who opened this dev

	// sem (dev->sem) protects the following fields ("protects this bad
	// boy").
	sem        lockdep.Mutex
	idr        idr.IDR[*inotifyWatch] // idr mapping wd -> watch
	watches    *inotifyWatch          // the d_list, newest first (list_add)
	head, tail *inotifyKernelEvent    // events, oldest first (list_add_tail)
	eventCount int                    // number of pending events
	maxEvents  int                    // maximum number of events
	wq         sched.WaitQueue        // readers sleep here
	// queueSize is the size of the queue in bytes, written under sem;
	// inotify_ioctl reads it without the sem, so it is atomic.
	queueSize atomic.Int64
}

var (
	_ vfs.FileOperations = (*inotifyDevice)(nil)
	_ vfs.Reader         = (*inotifyDevice)(nil)
	_ vfs.Ioctler        = (*inotifyDevice)(nil)
	_ vfs.Poller         = (*inotifyDevice)(nil)
)

// inotifyKernelEvent is struct inotify_kernel_event (lines 136-148): the
// user-space event and its name, on its device's list.
type inotifyKernelEvent struct {
	wd     int32
	mask   uapi.Mask
	cookie uint32
	len    int    // the name's length with its NUL padding (event.len)
	name   string // "" for none (NULL)
	next   *inotifyKernelEvent
}

// inotifyWatch is struct inotify_watch (lines 150-165): one device's watch
// on one inode.
type inotifyWatch struct {
	count kref.Ref
	id    uint64
	dev   *inotifyDevice // never written once the watch is created
	inode *inode.Inode   // pinned with igrab; never written once created
	wd    int32          // never written once created

	// inode->inotify_sem protects the following fields.
	mask         uapi.Mask
	iPrev, iNext *inotifyWatch // the i_list

	// dev->sem protects the d_list links.
	dPrev, dNext *inotifyWatch
}

// getInotifyDev is get_inotify_dev (lines 167-170).
func getInotifyDev(dev *inotifyDevice) { dev.count.Get() }

// putInotifyDev is put_inotify_dev (lines 172-179): the final put gives
// the user's device count back.
func putInotifyDev(dev *inotifyDevice) {
	if dev.count.Put() {
		dev.user.inotifyDevs.Add(-1)
	}
}

// getInotifyWatch is get_inotify_watch (lines 181-184).
func getInotifyWatch(w *inotifyWatch) { w.count.Get() }

// putInotifyWatch is put_inotify_watch (lines 186-197): the final put
// drops the watch's device reference, then its inode reference.
func putInotifyWatch(cur *lockdep.Task, w *inotifyWatch) {
	if w.count.Put() {
		putInotifyDev(w.dev)
		inode.Iput(cur, w.inode)
	}
}

// kernelEvent is kernel_event (lines 199-255): a new event, its name
// padded with NULs to a multiple of sizeof(struct inotify_event) with at
// least one NUL, computed as the seed does.
func kernelEvent(wd int32, mask uapi.Mask, cookie uint32, name string) *inotifyKernelEvent {
	kev := &inotifyKernelEvent{wd: wd, mask: mask, cookie: cookie}
	if name != "" {
		const eventSize = uapi.EventHeaderSize
		n := len(name) + 1
		rem := eventSize - n
		if n > eventSize {
			rem = eventSize - n%eventSize
			if n%eventSize == 0 {
				rem = 0
			}
		}
		kev.name, kev.len = name, n+rem
	}
	return kev
}

// size is sizeof(struct inotify_event) + event.len, what the event adds to
// queue_size and takes of a read's buffer.
func (kev *inotifyKernelEvent) size() int { return uapi.EventHeaderSize + kev.len }

// getEventLocked is inotify_dev_get_event (lines 257-266): dev->events.next,
// the oldest event. On an empty list the seed's list_entry() points into
// the device itself rather than being NULL; nil here (see
// queueEventLocked). Precondition: dev->sem is held.
func (dev *inotifyDevice) getEventLocked(cur *lockdep.Task) *inotifyKernelEvent {
	lockdep.AssertHeld(cur, &dev.sem)
	return dev.head
}

// queueEventLocked is inotify_dev_queue_event (lines 268-309): an event
// equal to the OLDEST queued one (mask, wd, cookie and name) is dropped;
// then event_count > max_events drops it (an overflow event is queued
// already), == max_events queues IN_Q_OVERFLOW in its place, with wd -1
// and the incoming event's cookie; otherwise it is queued, and readers are
// woken.
//
// The seed's "last" is never NULL: on an empty queue it is the device's
// own bytes before dev->events (the tail of dev->sem), whose would-be
// cookie is a kernel address, so no event matches it; nothing is merged
// into an empty queue here.
// Precondition: dev->sem is held.
func (dev *inotifyDevice) queueEventLocked(cur *lockdep.Task, w *inotifyWatch, mask uapi.Mask, cookie uint32, name string) {
	lockdep.AssertHeld(cur, &dev.sem)
	if last := dev.getEventLocked(cur); last != nil && last.mask == mask && last.wd == w.wd &&
		last.cookie == cookie && last.name == name {
		return // coalescing: a dupe of the oldest event
	}
	if dev.eventCount > dev.maxEvents {
		return // the queue overflowed and we already sent the Q_OVERFLOW event
	}
	var kev *inotifyKernelEvent
	if dev.eventCount == dev.maxEvents {
		kev = kernelEvent(-1, uapi.IN_Q_OVERFLOW, cookie, "")
	} else {
		kev = kernelEvent(w.wd, mask, cookie, name)
	}
	dev.eventCount++
	dev.queueSize.Add(int64(kev.size()))
	if dev.tail == nil {
		dev.head = kev
	} else {
		dev.tail.next = kev
	}
	dev.tail = kev
	dev.wq.WakeUp(cur) // wake_up_interruptible(&dev->wq)
}

// removeKeventLocked is remove_kevent (lines 311-326), for the oldest
// event, the only one the seed removes. Precondition: dev->sem is held.
func (dev *inotifyDevice) removeKeventLocked(cur *lockdep.Task, kev *inotifyKernelEvent) {
	lockdep.AssertHeld(cur, &dev.sem)
	dev.head = kev.next
	if dev.head == nil {
		dev.tail = nil
	}
	kev.next = nil
	dev.eventCount--
	dev.queueSize.Add(-int64(kev.size()))
}

// eventDequeueLocked is inotify_dev_event_dequeue (lines 328-340): the
// oldest event, if any, is freed. Precondition: dev->sem is held.
func (dev *inotifyDevice) eventDequeueLocked(cur *lockdep.Task) {
	lockdep.AssertHeld(cur, &dev.sem)
	if dev.head != nil {
		dev.removeKeventLocked(cur, dev.getEventLocked(cur))
	}
}

// getWdLocked is inotify_dev_get_wd (lines 342-359): idr_get_new, the
// lowest free id from 0, so the first wd is 0 and a freed one comes back
// at once. ENOSPC when no id is left. Precondition: dev->sem is held.
func (dev *inotifyDevice) getWdLocked(cur *lockdep.Task, w *inotifyWatch) error {
	lockdep.AssertHeld(cur, &dev.sem)
	id := dev.idr.LowestFree(0)
	if id < 0 {
		return syscall.ENOSPC
	}
	w.wd = int32(id)
	dev.idr.Insert(w.wd, w)
	return nil
}

// idrFindLocked is idr_find(&dev->idr, wd). 2.6.13's lib/idr.c masks the
// id with MAX_ID_MASK before the search, so a negative wd looks for
// wd & 0x7fffffff. Precondition: dev->sem is held.
func (dev *inotifyDevice) idrFindLocked(cur *lockdep.Task, wd int32) *inotifyWatch {
	lockdep.AssertHeld(cur, &dev.sem)
	w, _ := dev.idr.Find(wd & idr.Max)
	return w
}

// createWatchLocked is create_watch (lines 378-424): ENOSPC at
// max_user_watches, then a wd; the watch pins the device and the inode and
// starts with the reference for its entry in dev->watches. The seed sets
// the count to 0 and gets it to 1 (lines 404, 419); kref reports a get from
// zero as a use after free, so the count starts at 1 where the seed's get
// is. The caller puts the watch on the lists.
// Precondition: dev->sem and the inode's inotify_sem are held.
func (dev *inotifyDevice) createWatchLocked(cur *lockdep.Task, mask uapi.Mask, ino *inode.Inode) (*inotifyWatch, error) {
	lockdep.AssertHeld(cur, &dev.sem)
	lockdep.AssertHeld(cur, &stateOf(ino).sem)
	in := dev.in
	if dev.user.inotifyWatches.Load() >= in.MaxUserWatches.Load() {
		return nil, syscall.ENOSPC
	}
	w := &inotifyWatch{id: in.watchIDs.Add(1)}
	if err := dev.getWdLocked(cur, w); err != nil {
		return nil, err
	}
	w.mask = mask
	getInotifyDev(dev) // save a reference to device
	w.dev = dev
	w.inode = inode.Igrab(cur, ino) // the caller's path pins ino
	w.count.Init(in.refs, "inotify_watch", w.id, 1)
	dev.user.inotifyWatches.Add(1)
	return w, nil
}

// addLocked puts w at the head of the inode's and the device's lists
// (sys_inotify_add_watch's two list_add, lines 969-971).
// Precondition: the inode's inotify_sem and dev->sem are held.
func addLocked(cur *lockdep.Task, s *inodeInotify, dev *inotifyDevice, w *inotifyWatch) {
	lockdep.AssertHeld(cur, &s.sem)
	lockdep.AssertHeld(cur, &dev.sem)
	w.dNext = dev.watches
	if dev.watches != nil {
		dev.watches.dPrev = w
	}
	dev.watches = w
	first := s.first.Load()
	w.iNext = first
	if first != nil {
		first.iPrev = w
	}
	s.first.Store(w)
}

// inodeFindDevLocked is inode_find_dev (lines 426-442): dev's watch on the
// inode whose fields are s, or nil. Precondition: s.sem (inotify_sem) is
// held.
func inodeFindDevLocked(cur *lockdep.Task, s *inodeInotify, dev *inotifyDevice) *inotifyWatch {
	lockdep.AssertHeld(cur, &s.sem)
	for w := s.first.Load(); w != nil; w = w.iNext {
		if w.dev == dev {
			return w
		}
	}
	return nil
}

// removeWatchNoEventLocked is remove_watch_no_event (lines 444-456): w
// leaves the inode's and the device's lists, its wd is freed, the user's
// count drops and its list reference is put (which may be the final put,
// inside both locks). The seed does not say what its caller holds; every
// caller holds both.
// Precondition: the inode's inotify_sem and dev->sem are held.
func removeWatchNoEventLocked(cur *lockdep.Task, w *inotifyWatch, dev *inotifyDevice) {
	s := stateOf(w.inode)
	lockdep.AssertHeld(cur, &s.sem)
	lockdep.AssertHeld(cur, &dev.sem)
	if w.iPrev != nil {
		w.iPrev.iNext = w.iNext
	} else {
		s.first.Store(w.iNext)
	}
	if w.iNext != nil {
		w.iNext.iPrev = w.iPrev
	}
	w.iPrev, w.iNext = nil, nil
	if w.dPrev != nil {
		w.dPrev.dNext = w.dNext
	} else {
		dev.watches = w.dNext
	}
	if w.dNext != nil {
		w.dNext.dPrev = w.dPrev
	}
	w.dPrev, w.dNext = nil, nil
	dev.user.inotifyWatches.Add(-1)
	dev.idr.Remove(w.wd)
	putInotifyWatch(cur, w)
}

// removeWatchLocked is remove_watch (lines 458-473): IN_IGNORED is queued,
// then the watch goes (remove_watch_no_event). The seed's comment about
// returning whether to iput is stale: it returns nothing.
// Precondition: the inode's inotify_sem and dev->sem are held.
func removeWatchLocked(cur *lockdep.Task, w *inotifyWatch, dev *inotifyDevice) {
	lockdep.AssertHeld(cur, &stateOf(w.inode).sem)
	lockdep.AssertHeld(cur, &dev.sem)
	dev.queueEventLocked(cur, w, uapi.IN_IGNORED, 0, "")
	removeWatchNoEventLocked(cur, w, dev)
}

// InodeQueueEvent is inotify_inode_queue_event (lines 486-517): the event
// goes to every watch on ino whose mask shares a bit with it, each under a
// temporary watch reference and its device's sem. The IN_ONESHOT test
// (lines 509-510) never fires: add_watch strips the bit.
func (in *Inotify) InodeQueueEvent(cur *lockdep.Task, ino *inode.Inode, mask uapi.Mask, cookie uint32, name string) {
	if !watched(ino) {
		return
	}
	s := stateOf(ino)
	s.sem.Lock(cur)
	var next *inotifyWatch // list_for_each_entry_safe
	for w := s.first.Load(); w != nil; w = next {
		next = w.iNext
		watchMask := w.mask
		if watchMask&mask == 0 {
			continue
		}
		dev := w.dev
		getInotifyWatch(w)
		dev.sem.Lock(cur)
		dev.queueEventLocked(cur, w, mask, cookie, name)
		if watchMask&uapi.IN_ONESHOT != 0 {
			removeWatchNoEventLocked(cur, w, dev)
		}
		dev.sem.Unlock(cur)
		putInotifyWatch(cur, w)
	}
	s.sem.Unlock(cur)
}

// DentryParentQueueEvent is inotify_dentry_parent_queue_event (lines
// 519-544): under d's d_lock, if d_parent's inode is watched, the parent is
// pinned with dget and d_lock dropped before the event is queued on it,
// named after d. Seed 000 has no "parent watched" dentry flag: every event
// takes d_lock. The root is its own parent, so an event on a watched
// root also reaches the root's watches, named after it ("/"). The seed's
// caller reads d_name without d_lock; Go's race detector wants the read
// under the lock that d_move writes it under.
func (in *Inotify) DentryParentQueueEvent(cur *lockdep.Task, d *dentry.Dentry, mask uapi.Mask, cookie uint32) {
	d.DLock.Lock(cur)
	parent := d.ParentLocked(cur)
	ino := parent.Inode(cur)
	if ino == nil || !watched(ino) {
		d.DLock.Unlock(cur)
		return
	}
	dentry.Dget(parent)
	name := d.NameLocked(cur)
	d.DLock.Unlock(cur)
	in.InodeQueueEvent(cur, ino, mask, cookie, name)
	dentry.Dput(cur, parent)
}

// GetCookie is inotify_get_cookie (lines 546-553): atomic_inc_return of
// one counter from 0, so the first cookie is 1 (and, after 2^32 renames,
// 0 comes round like any other).
func (in *Inotify) GetCookie() uint32 { return in.cookie.Add(1) }

// UnmountInodes is inotify_unmount_inodes (lines 555-632): every watch on
// an inode of sb gets IN_UNMOUNT, whatever its mask, and is removed with
// IN_IGNORED. Called with iprune_mutex (the seed's iprune_sem) and
// inode_lock held; inode_lock is dropped around each inode, which is safe
// because that inode and the next are pinned with __iget, no inode is
// added once the unmount has begun, and iprune_mutex keeps pruning away.
// Each pinned inode's inotify_sem is taken, watched or not.
func (in *Inotify) UnmountInodes(cur *lockdep.Task, sb *inode.SuperBlock) {
	c := sb.Cache
	lockdep.AssertHeld(cur, &c.IpruneMutex)
	lockdep.AssertHeld(cur, &c.InodeLock)
	usable := func(ino *inode.Inode) bool {
		// An inode with i_count zero cannot have watches; one being
		// freed cannot be __iget()'d.
		return ino.Count.Count() > 0 &&
			ino.StateLocked(cur)&(inode.I_CLEAR|inode.I_FREEING|inode.I_WILL_FREE) == 0
	}
	var needIput *inode.Inode
	for ino := sb.FirstInodeLocked(cur); ino != nil; {
		next := ino.NextInSbLocked(cur)
		if !usable(ino) {
			ino = next
			continue
		}
		needIputTmp := needIput
		needIput = nil
		if ino != needIputTmp {
			inode.Iget(ino) // in case the remove_watch() drops a reference
		} else {
			needIputTmp = nil
		}
		if next != nil && usable(next) {
			inode.Iget(next) // in case the dropping of a reference would nuke next_i
			needIput = next
		}
		c.InodeLock.Unlock(cur)
		if needIputTmp != nil {
			inode.Iput(cur, needIputTmp)
		}

		s := inotifySemOf(ino)
		s.sem.Lock(cur)
		var nextW *inotifyWatch
		for w := s.first.Load(); w != nil; w = nextW {
			nextW = w.iNext
			dev := w.dev
			dev.sem.Lock(cur)
			dev.queueEventLocked(cur, w, uapi.IN_UNMOUNT, 0, "")
			removeWatchLocked(cur, w, dev)
			dev.sem.Unlock(cur)
		}
		s.sem.Unlock(cur)
		inode.Iput(cur, ino)

		c.InodeLock.Lock(cur)
		ino = next
	}
	if needIput != nil {
		// Not reached: a pinned next_i stays usable, so the next round
		// takes the pin over. Dropped rather than leaked all the same.
		c.InodeLock.Unlock(cur)
		inode.Iput(cur, needIput)
		c.InodeLock.Lock(cur)
	}
}

// InodeIsDead is inotify_inode_is_dead (lines 634-651): the inode was
// deleted; every watch on it goes with IN_IGNORED. It takes the inode's
// inotify_sem whether or not it has watches. No watch reference is taken:
// a watch's final put may run inside both locks; the caller pins the inode.
func (in *Inotify) InodeIsDead(cur *lockdep.Task, ino *inode.Inode) {
	s := inotifySemOf(ino)
	s.sem.Lock(cur)
	var next *inotifyWatch
	for w := s.first.Load(); w != nil; w = next {
		next = w.iNext
		dev := w.dev
		dev.sem.Lock(cur)
		removeWatchLocked(cur, w, dev)
		dev.sem.Unlock(cur)
	}
	s.sem.Unlock(cur)
}
