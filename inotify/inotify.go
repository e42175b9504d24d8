package inotify

// fs/inotify.c of seed 001: struct inotify_handle, struct inotify_watch and
// the in-kernel API (inotify_init, inotify_destroy,
// inotify_find_update_watch, inotify_add_watch, inotify_rm_wd, and the
// event producers include/linux/fsnotify.h calls).

import (
	"sync/atomic"
	"syscall"

	"github.com/inosim/inosim/dentry"
	"github.com/inosim/inosim/hooks"
	"github.com/inosim/inosim/inode"
	"github.com/inosim/inosim/internal/idr"
	"github.com/inosim/inosim/internal/kref"
	"github.com/inosim/inosim/internal/lockdep"
	"github.com/inosim/inosim/internal/personality"
	"github.com/inosim/inosim/uapi"
)

// Lock classes of fs/inotify.c.
var (
	InotifyMutexClass = lockdep.NewClass("inode->inotify_mutex")
	IhMutexClass      = lockdep.NewClass("ih->mutex")
)

// Operations are a consumer's callbacks (struct inotify_operations).
type Operations interface {
	// HandleEvent receives an event for watch w (with wd, since w may be
	// on its way out). Called with inode->inotify_mutex and ih->mutex held.
	// On IN_IGNORED the consumer drops the watch's initial reference.
	HandleEvent(cur *lockdep.Task, w *InotifyWatch, wd int32, mask uapi.Mask, cookie uint32, name string)
	// DestroyWatch frees the consumer's part of a watch at its final put.
	DestroyWatch(cur *lockdep.Task, w *InotifyWatch)
}

// InotifyWatch is struct inotify_watch: one watch of one handle on one
// inode. The kernel embeds it in the consumer's struct (seed 002's
// inotify_user_watch) and finds that with container_of; Go has none, so a
// consumer keeps what it needs elsewhere (the device is its handle's
// Operations).
type InotifyWatch struct {
	Count kref.Ref       // count
	ih    *InotifyHandle // set at add, never changed
	inode *inode.Inode   // pinned with igrab; set at add, never changed
	wd    int32          // set at add, never changed

	// inode->inotify_mutex protects the following fields.
	mask         uapi.Mask
	iPrev, iNext *InotifyWatch // the i_list

	// ih->mutex protects the h_list links.
	hPrev, hNext *InotifyWatch
}

// GetInotifyWatch is get_inotify_watch.
func GetInotifyWatch(w *InotifyWatch) { w.Count.Get() }

// PutInotifyWatch is put_inotify_watch: the final put drops the inode
// reference, lets the consumer free its part (destroy_watch) and drops the
// handle reference.
func PutInotifyWatch(cur *lockdep.Task, w *InotifyWatch) {
	if !w.Count.Put() {
		return
	}
	ih := w.ih
	inode.Iput(cur, w.inode)
	ih.ops.DestroyWatch(cur, w)
	ih.put(cur)
}

// inodeWatches are the inode's inotify fields of the seeds (inotify_mutex
// and the inotify_watches list head), attached to the inode on its first
// watch (see inode.AttachNotify).
type inodeWatches struct {
	// mutex (inode->inotify_mutex) protects the list.
	mutex lockdep.Mutex
	// first is the head of the i_list, newest first. Atomic because
	// Watched reads it without the mutex, as inotify_inode_watched does.
	first atomic.Pointer[InotifyWatch]
}

var _ inode.NotifyState = (*inodeWatches)(nil)

// Watched is inotify_inode_watched: !list_empty(&inode->inotify_watches).
func (s *inodeWatches) Watched() bool { return s.first.Load() != nil }

// watchesOf returns ino's inotify fields, nil if it never had a watch.
func watchesOf(ino *inode.Inode) *inodeWatches {
	s, _ := ino.Notify().(*inodeWatches)
	return s
}

// attachWatches returns ino's inotify fields, attaching them first if
// needed.
func attachWatches(ino *inode.Inode) *inodeWatches {
	if s := watchesOf(ino); s != nil {
		return s
	}
	s := &inodeWatches{}
	s.mutex.Init(InotifyMutexClass, ino.Ino)
	return ino.AttachNotify(s).(*inodeWatches)
}

// addLocked puts w at the head of the i_list (list_add).
// Precondition: s.mutex is held.
func (s *inodeWatches) addLocked(cur *lockdep.Task, w *InotifyWatch) {
	lockdep.AssertHeld(cur, &s.mutex)
	first := s.first.Load()
	w.iNext = first
	if first != nil {
		first.iPrev = w
	}
	s.first.Store(w)
}

// delLocked takes w off the i_list (list_del).
// Precondition: s.mutex is held.
func (s *inodeWatches) delLocked(cur *lockdep.Task, w *InotifyWatch) {
	lockdep.AssertHeld(cur, &s.mutex)
	if w.iPrev != nil {
		w.iPrev.iNext = w.iNext
	} else {
		s.first.Store(w.iNext)
	}
	if w.iNext != nil {
		w.iNext.iPrev = w.iPrev
	}
	w.iPrev, w.iNext = nil, nil
}

// Inotify is the kernel-wide state of fs/inotify.c and fs/inotify_user.c
// (their globals: the cookie counter, the sysctls, the per-user counts),
// one per simulated kernel. It is the kernel's hooks.Backend and the
// hooks.Target its include/linux/fsnotify.h calls.
type Inotify struct {
	p      *personality.P
	dcache *dentry.Dcache // dcache_lock, for set_dentry_child_flags
	refs   *kref.Tracker

	cookie   atomic.Uint32
	handles  atomic.Uint64
	watchIDs atomic.Uint64

	sysctls // inotify_user.c
}

var (
	_ hooks.Backend = (*Inotify)(nil)
	_ hooks.Target  = (*Inotify)(nil)
)

// New returns the inotify of a new kernel whose dentries live in dc:
// inotify_setup and inotify_user_setup (seed 000's initcall inotify_init).
func New(p *personality.P, dc *dentry.Dcache, refs *kref.Tracker) *Inotify {
	in := &Inotify{p: p, dcache: dc, refs: refs}
	in.sysctls.init()
	return in
}

// GetCookie returns a unique cookie to pair IN_MOVED_FROM with IN_MOVED_TO
// (inotify_get_cookie). Never 0.
func (in *Inotify) GetCookie() uint32 {
	for {
		if c := in.cookie.Add(1); c != 0 {
			return c
		}
	}
}

// InotifyHandle is struct inotify_handle.
type InotifyHandle struct {
	in    *Inotify
	ID    uint64
	Count kref.Ref // count
	ops   Operations

	// Mutex (ih->mutex) protects the following fields.
	Mutex   lockdep.Mutex
	idr     idr.IDR[*InotifyWatch]
	watches *InotifyWatch // the h_list, newest first
	lastWd  int32
}

// InotifyInit allocates a handle for a consumer (inotify_init).
func (in *Inotify) InotifyInit(ops Operations) *InotifyHandle {
	ih := &InotifyHandle{in: in, ID: in.handles.Add(1), ops: ops}
	ih.Mutex.Init(IhMutexClass, ih.ID)
	ih.Count.Init(in.refs, "inotify_handle", ih.ID, 1)
	return ih
}

// get is get_inotify_handle.
func (ih *InotifyHandle) get() { ih.Count.Get() }

// put is put_inotify_handle (it frees the idr with the handle).
func (ih *InotifyHandle) put(cur *lockdep.Task) { ih.Count.Put() }

// handleGetWdLocked allocates a wd for w (inotify_handle_get_wd):
// idr_get_new_above(last_wd+1), which never wraps. ENOSPC when none is
// left.
// Precondition: ih->mutex is held.
func (ih *InotifyHandle) handleGetWdLocked(cur *lockdep.Task, w *InotifyWatch) error {
	lockdep.AssertHeld(cur, &ih.Mutex)
	start := int64(ih.lastWd) + 1
	if start < 1 || start > idr.Max {
		start = 1
	}
	id := ih.idr.LowestFree(uint32(start))
	if id < 0 {
		return syscall.ENOSPC
	}
	w.wd = int32(id)
	ih.idr.Insert(w.wd, w)
	ih.lastWd = w.wd
	return nil
}

// inodeFindHandle returns ih's watch on the inode whose fields are s, or
// nil (inode_find_handle; seed 000's inode_find_dev). Precondition: s.mutex (inotify_mutex) is held.
func inodeFindHandle(cur *lockdep.Task, s *inodeWatches, ih *InotifyHandle) *InotifyWatch {
	lockdep.AssertHeld(cur, &s.mutex)
	for w := s.first.Load(); w != nil; w = w.iNext {
		if w.ih == ih {
			return w
		}
	}
	return nil
}

// setDentryChildFlags marks every child dentry of ino as having (or not) a
// watched parent (set_dentry_child_flags).
// Precondition: ino's inotify_mutex is held.
func (in *Inotify) setDentryChildFlags(cur *lockdep.Task, s *inodeWatches, ino *inode.Inode, watched bool) {
	lockdep.AssertHeld(cur, &s.mutex)
	in.dcache.Lock.Lock(cur)
	in.dcache.SetChildFlagsLocked(cur, ino, watched)
	in.dcache.Lock.Unlock(cur)
}

// removeWatchNoEvent takes w off its inode's and its handle's lists and
// frees its wd, without IN_IGNORED (remove_watch_no_event).
// Precondition: inode->inotify_mutex and ih->mutex are held.
func removeWatchNoEvent(cur *lockdep.Task, w *InotifyWatch, ih *InotifyHandle) {
	ino := w.inode
	s := watchesOf(ino)
	lockdep.AssertHeld(cur, &s.mutex)
	lockdep.AssertHeld(cur, &ih.Mutex)
	s.delLocked(cur, w)
	if w.hPrev != nil {
		w.hPrev.hNext = w.hNext
	} else {
		ih.watches = w.hNext
	}
	if w.hNext != nil {
		w.hNext.hPrev = w.hPrev
	}
	w.hPrev, w.hNext = nil, nil
	if !s.Watched() {
		ih.in.setDentryChildFlags(cur, s, ino, false)
	}
	ih.idr.Remove(w.wd)
}

// removeWatch removes w and sends IN_IGNORED to the consumer, who then
// drops the watch's initial reference (remove_watch).
// Precondition: inode->inotify_mutex and ih->mutex are held.
func removeWatch(cur *lockdep.Task, w *InotifyWatch, ih *InotifyHandle) {
	lockdep.AssertHeld(cur, &watchesOf(w.inode).mutex)
	lockdep.AssertHeld(cur, &ih.Mutex)
	removeWatchNoEvent(cur, w, ih)
	ih.ops.HandleEvent(cur, w, w.wd, uapi.IN_IGNORED, 0, "")
}

// watchBits is what a watch keeps of an add_watch mask (seed 001's
// "mask &= IN_ALL_EVENTS | IN_ONESHOT": we don't want flags set).
const watchBits = uapi.IN_ALL_EVENTS | uapi.IN_ONESHOT

// FindUpdateWatch updates ih's existing watch on ino and returns its wd, or
// ENOENT if there is none (inotify_find_update_watch). mask is add_watch's
// argument: IN_MASK_ADD ORs it in, a plain re-add replaces the mask. Only
// IN_ALL_EVENTS|IN_ONESHOT is kept, EINVAL if nothing is left (seed 001).
// The caller pins ino (via the looked-up path).
func (ih *InotifyHandle) FindUpdateWatch(cur *lockdep.Task, ino *inode.Inode, mask uapi.Mask) (int32, error) {
	newMask := mask & watchBits
	if newMask == 0 {
		return 0, syscall.EINVAL
	}
	s := watchesOf(ino)
	if s == nil {
		return 0, syscall.ENOENT // never watched: an empty list
	}
	s.mutex.Lock(cur)
	ih.Mutex.Lock(cur)
	defer s.mutex.Unlock(cur)
	defer ih.Mutex.Unlock(cur)

	old := inodeFindHandle(cur, s, ih)
	if old == nil {
		return 0, syscall.ENOENT
	}
	if mask&uapi.IN_MASK_ADD != 0 {
		old.mask |= newMask
	} else {
		old.mask = newMask
	}
	return old.wd, nil
}

// AddWatch adds the caller-allocated w on ino with mask and returns its wd
// (inotify_add_watch). The watch pins ino and the handle; it starts with
// the initial reference. The caller pins ino and calls it once per watch.
func (ih *InotifyHandle) AddWatch(cur *lockdep.Task, w *InotifyWatch, ino *inode.Inode, mask uapi.Mask) (int32, error) {
	newMask := mask & watchBits
	if newMask == 0 {
		return 0, syscall.EINVAL
	}
	w.mask = newMask
	s := attachWatches(ino)
	s.mutex.Lock(cur)
	ih.Mutex.Lock(cur)
	defer s.mutex.Unlock(cur)
	defer ih.Mutex.Unlock(cur)

	if err := ih.handleGetWdLocked(cur, w); err != nil {
		return 0, err
	}
	ih.get()
	w.ih = ih
	w.inode = inode.Igrab(cur, ino)
	w.Count.Init(ih.in.refs, "inotify_watch", ih.in.watchIDs.Add(1), 1)

	// Seed 001 sets the child flags before list_add; a dentry
	// instantiated in between sees the list still empty and stays
	// unmarked, then is marked here, so either order marks it once the
	// lock is dropped. We follow the seed.
	if !s.Watched() {
		ih.in.setDentryChildFlags(cur, s, ino, true)
	}
	s.addLocked(cur, w)
	w.hNext = ih.watches
	if ih.watches != nil {
		ih.watches.hPrev = w
	}
	ih.watches = w
	return w.wd, nil
}

// invertRmWd makes RmWd take inode->inotify_mutex while it still holds
// ih->mutex, against the lock order: a bug planted for tests of the
// explorer (InvertRmWdLockOrder), never set otherwise.
var invertRmWd atomic.Bool

// InvertRmWdLockOrder turns the planted bug of RmWd on or off, for tests
// only: with it, inotify_rm_wd does not drop ih->mutex before taking the
// inode's inotify_mutex, so it takes the two in the order opposite to
// every other path (inotify_inode_queue_event, inotify_inode_is_dead):
// lockdep reports the cycle, and a schedule that interleaves the two
// deadlocks. It affects every kernel of the process.
func InvertRmWdLockOrder(on bool) { invertRmWd.Store(on) }

// RmWd removes the watch wd, which sends IN_IGNORED (inotify_rm_wd; seed
// 000's inotify_ignore).
// EINVAL if ih has no such wd.
func (ih *InotifyHandle) RmWd(cur *lockdep.Task, wd int32) error {
	ih.Mutex.Lock(cur)
	w, ok := ih.idr.Find(wd)
	if !ok {
		ih.Mutex.Unlock(cur)
		return syscall.EINVAL
	}
	GetInotifyWatch(w)
	ino := w.inode
	s := watchesOf(ino)
	if invertRmWd.Load() {
		s.mutex.Lock(cur) // the planted bug: ih->mutex is still held
	} else {
		ih.Mutex.Unlock(cur)
		s.mutex.Lock(cur)
		ih.Mutex.Lock(cur)
	}
	// make sure that we did not race
	if got, ok := ih.idr.Find(wd); ok && got == w {
		removeWatch(cur, w, ih)
	}
	ih.Mutex.Unlock(cur)
	s.mutex.Unlock(cur)
	PutInotifyWatch(cur, w)
	return nil
}

// Destroy removes every watch without events and drops the handle's
// initial reference (inotify_destroy). The lock order forces a dance: the
// inode is known only from the watch, but its mutex comes first.
func (ih *InotifyHandle) Destroy(cur *lockdep.Task) {
	for {
		ih.Mutex.Lock(cur)
		w := ih.watches
		if w == nil {
			ih.Mutex.Unlock(cur)
			break
		}
		GetInotifyWatch(w)
		ih.Mutex.Unlock(cur)

		s := watchesOf(w.inode)
		s.mutex.Lock(cur)
		ih.Mutex.Lock(cur)
		// make sure we didn't race with another list removal
		if got, ok := ih.idr.Find(w.wd); ok && got == w {
			removeWatchNoEvent(cur, w, ih)
			PutInotifyWatch(cur, w) // the initial reference: no IN_IGNORED will come
		}
		ih.Mutex.Unlock(cur)
		s.mutex.Unlock(cur)
		PutInotifyWatch(cur, w)
	}
	ih.put(cur)
}

// InodeQueueEvent queues an event to every watch on ino whose mask wants it
// (inotify_inode_queue_event). An IN_ONESHOT watch is removed silently before the event
// and its final put left to the consumer (seed 001).
// No watch reference is taken around the consumer's call: removal needs
// inotify_mutex, which is held, and the hook's caller pins ino (seed 001).
func (in *Inotify) InodeQueueEvent(cur *lockdep.Task, ino *inode.Inode, mask uapi.Mask, cookie uint32, name string) {
	s := watchesOf(ino)
	if s == nil || !s.Watched() {
		return
	}
	s.mutex.Lock(cur)
	var next *InotifyWatch // list_for_each_entry_safe: ONESHOT edits the list
	for w := s.first.Load(); w != nil; w = next {
		next = w.iNext
		if w.mask&mask&uapi.IN_ALL_EVENTS == 0 {
			continue
		}
		ih := w.ih
		ih.Mutex.Lock(cur)
		if w.mask&uapi.IN_ONESHOT != 0 {
			// The initial reference is the consumer's to drop, in its
			// handle_event (see inotifyDevice.HandleEvent).
			removeWatchNoEvent(cur, w, ih)
		}
		ih.ops.HandleEvent(cur, w, w.wd, mask, cookie, name)
		ih.Mutex.Unlock(cur)
	}
	s.mutex.Unlock(cur)
}

// DentryParentQueueEvent queues an event on d's parent directory, named
// after d, if the parent is watched (inotify_dentry_parent_queue_event):
// the dentry's flag is tested first without d_lock, so an event in an
// unwatched directory takes no lock and no reference.
func (in *Inotify) DentryParentQueueEvent(cur *lockdep.Task, d *dentry.Dentry, mask uapi.Mask, cookie uint32) {
	if !d.ParentWatched() {
		return
	}
	name, parent := d.WatchedParent(cur)
	if parent == nil {
		return
	}
	if pino := parent.Inode(cur); pino != nil {
		in.InodeQueueEvent(cur, pino, mask, cookie, name)
	}
	dentry.Dput(cur, parent)
}

// InodeIsDead removes every watch on ino with IN_IGNORED: the inode was
// deleted (inotify_inode_is_dead). As in seed 001 no watch reference is
// taken: the consumer's final put may run inside the locks; the hook's
// caller pins ino.
func (in *Inotify) InodeIsDead(cur *lockdep.Task, ino *inode.Inode) {
	s := watchesOf(ino)
	if s == nil {
		return
	}
	s.mutex.Lock(cur)
	var next *InotifyWatch
	for w := s.first.Load(); w != nil; w = next {
		next = w.iNext
		ih := w.ih
		ih.Mutex.Lock(cur)
		removeWatch(cur, w, ih)
		ih.Mutex.Unlock(cur)
	}
	s.mutex.Unlock(cur)
}

// UnmountInodes sends IN_UNMOUNT to, then removes, every watch on sb's
// inodes (inotify_unmount_inodes). Called with iprune_mutex and inode_lock
// held; inode_lock is dropped around each inode, which is safe because the
// current inode and the next one are pinned with __iget, no new inodes
// appear once umount has begun, and iprune_mutex keeps pruning away.
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
			inode.Iget(ino) // in case remove_watch drops a reference
		} else {
			needIputTmp = nil
		}
		if next != nil && usable(next) {
			inode.Iget(next) // in case dropping a reference would nuke next
			needIput = next
		}
		c.InodeLock.Unlock(cur)
		if needIputTmp != nil {
			inode.Iput(cur, needIputTmp)
		}
		lockdep.MightSleep(cur) // inode_lock dropped: the loop may be preempted here

		mask := uapi.IN_UNMOUNT
		if in.p.UnmountIsDir && ino.IsDir() {
			mask |= uapi.IN_ISDIR
		}
		if s := watchesOf(ino); s != nil {
			s.mutex.Lock(cur)
			var nextW *InotifyWatch
			for w := s.first.Load(); w != nil; w = nextW {
				nextW = w.iNext
				ih := w.ih
				ih.Mutex.Lock(cur)
				ih.ops.HandleEvent(cur, w, w.wd, mask, 0, "")
				removeWatch(cur, w, ih)
				ih.Mutex.Unlock(cur)
			}
			s.mutex.Unlock(cur)
		}
		inode.Iput(cur, ino)

		c.InodeLock.Lock(cur)
		ino = next
	}
	if needIput != nil {
		c.InodeLock.Unlock(cur)
		inode.Iput(cur, needIput)
		c.InodeLock.Lock(cur)
	}
}

// Find returns the watch with wd (idr_find), for consumers and checks.
func (ih *InotifyHandle) Find(cur *lockdep.Task, wd int32) (*InotifyWatch, bool) {
	ih.Mutex.Lock(cur)
	defer ih.Mutex.Unlock(cur)
	return ih.idr.Find(wd)
}

// Wds returns the live wds from the idr, ascending, and the wds on the
// h_list, for invariant checks (the two must agree).
func (ih *InotifyHandle) Wds(cur *lockdep.Task) (fromIdr, fromList []int32) {
	ih.Mutex.Lock(cur)
	defer ih.Mutex.Unlock(cur)
	fromIdr = ih.idr.IDs()
	for w := ih.watches; w != nil; w = w.hNext {
		fromList = append(fromList, w.wd)
	}
	return fromIdr, fromList
}
