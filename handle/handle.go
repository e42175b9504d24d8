package handle

import (
	"sync/atomic"
	"syscall"

	"github.com/inosim/inosim/dentry"
	"github.com/inosim/inosim/inode"
	"github.com/inosim/inosim/internal/kref"
	"github.com/inosim/inosim/internal/lockdep"
	"github.com/inosim/inosim/internal/personality"
	"github.com/inosim/inosim/uapi"
	"github.com/inosim/inosim/watch"
)

// IhMutexClass is ih->mutex.
var IhMutexClass = lockdep.NewClass("ih->mutex")

// Operations are a consumer's callbacks (struct inotify_operations).
type Operations interface {
	// HandleEvent receives an event for watch w (with wd, since w may be
	// on its way out). Called with inode->inotify_mutex and ih->mutex held.
	// On IN_IGNORED the consumer drops the watch's initial reference.
	HandleEvent(cur *lockdep.Task, w *watch.InotifyWatch, wd int32, mask uapi.Mask, cookie uint32, name string)
	// DestroyWatch frees the consumer's part of a watch at its final put.
	DestroyWatch(cur *lockdep.Task, w *watch.InotifyWatch)
}

// Env is inotify's kernel-wide state: the personality, the global cookie
// counter (inotify_cookie), the dcache for set_dentry_child_flags, and the
// refcount tracker. One per simulated kernel.
type Env struct {
	P      *personality.P
	Dcache *dentry.Dcache
	Refs   *kref.Tracker

	cookie   atomic.Uint32
	handles  atomic.Uint64
	watchIDs atomic.Uint64
}

// NewEnv returns the inotify state of a new kernel.
func NewEnv(p *personality.P, dc *dentry.Dcache, refs *kref.Tracker) *Env {
	return &Env{P: p, Dcache: dc, Refs: refs}
}

// GetCookie returns a unique cookie to pair IN_MOVED_FROM with IN_MOVED_TO
// (inotify_get_cookie; fsnotify_get_cookie today). Never 0.
func (e *Env) GetCookie() uint32 {
	for {
		if c := e.cookie.Add(1); c != 0 {
			return c
		}
	}
}

// InotifyHandle is struct inotify_handle.
type InotifyHandle struct {
	Env   *Env
	ID    uint64
	Count kref.Ref // count
	ops   Operations

	// Mutex (ih->mutex) protects the following fields.
	Mutex   lockdep.Mutex
	idr     idr[*watch.InotifyWatch]
	watches *watch.InotifyWatch // the h_list, newest first
	lastWd  int32
}

// InotifyInit allocates a handle for a consumer (inotify_init).
func (e *Env) InotifyInit(ops Operations) *InotifyHandle {
	ih := &InotifyHandle{Env: e, ID: e.handles.Add(1), ops: ops}
	ih.Mutex.Init(IhMutexClass, ih.ID)
	ih.Count.Init(e.Refs, "inotify_handle", ih.ID, 1)
	return ih
}

// Get is get_inotify_handle.
func (ih *InotifyHandle) Get() { ih.Count.Get() }

// Put is put_inotify_handle (it frees the idr with the handle).
func (ih *InotifyHandle) Put(cur *lockdep.Task) { ih.Count.Put() }

// DestroyWatch forwards the final put of a watch to the consumer
// (ih->in_ops->destroy_watch); it makes the handle a watch.Owner.
func (ih *InotifyHandle) DestroyWatch(cur *lockdep.Task, w *watch.InotifyWatch) {
	ih.ops.DestroyWatch(cur, w)
}

// handleGetWdLocked allocates a wd for w (inotify_handle_get_wd): today
// idr_alloc_cyclic from last_wd+1 wrapping to the lowest free wd >= 1;
// in the seeds idr_get_new_above(last_wd+1). ENOSPC when none is left.
// Precondition: ih->mutex is held.
func (ih *InotifyHandle) handleGetWdLocked(cur *lockdep.Task, w *watch.InotifyWatch) error {
	lockdep.AssertHeld(cur, &ih.Mutex)
	start := int64(ih.lastWd) + 1
	if start < 1 || start > idrMax {
		start = 1
	}
	id := ih.idr.lowestFree(uint32(start))
	if id < 0 && ih.Env.P.Wd == personality.WdCyclic {
		id = ih.idr.lowestFree(1)
	}
	if id < 0 {
		return syscall.ENOSPC
	}
	w.Wd = int32(id)
	ih.idr.insert(w.Wd, w)
	ih.lastWd = w.Wd
	return nil
}

// SetNextWd makes the next allocation start at wd (INOTIFY_IOC_SETNEXTWD:
// idr_set_cursor). EINVAL unless 1 <= wd <= INT_MAX.
func (ih *InotifyHandle) SetNextWd(cur *lockdep.Task, wd int64) error {
	if wd < 1 || wd > idrMax {
		return syscall.EINVAL
	}
	ih.Mutex.Lock(cur)
	ih.lastWd = int32(wd - 1)
	ih.Mutex.Unlock(cur)
	return nil
}

// inodeFindHandle returns ih's watch on ino, or nil (inode_find_handle).
// Precondition: ino.InotifyMutex is held.
func inodeFindHandle(cur *lockdep.Task, ino *inode.Inode, ih *InotifyHandle) *watch.InotifyWatch {
	lockdep.AssertHeld(cur, &ino.InotifyMutex)
	for _, x := range ino.InotifyWatches {
		if w := x.(*watch.InotifyWatch); w.Ih == watch.Owner(ih) {
			return w
		}
	}
	return nil
}

// setDentryChildFlags marks every child dentry of ino as having (or not) a
// watched parent (set_dentry_child_flags). Precondition: inotify_mutex held.
func (e *Env) setDentryChildFlags(cur *lockdep.Task, ino *inode.Inode, watched bool) {
	lockdep.AssertHeld(cur, &ino.InotifyMutex)
	e.Dcache.Lock.Lock(cur)
	e.Dcache.SetChildFlagsLocked(cur, ino, watched)
	e.Dcache.Lock.Unlock(cur)
}

// removeWatchNoEvent takes w off its inode's and its handle's lists and
// frees its wd, without IN_IGNORED (remove_watch_no_event).
// Precondition: inode->inotify_mutex and ih->mutex are held.
func removeWatchNoEvent(cur *lockdep.Task, w *watch.InotifyWatch, ih *InotifyHandle) {
	ino := w.Inode
	lockdep.AssertHeld(cur, &ino.InotifyMutex)
	lockdep.AssertHeld(cur, &ih.Mutex)
	for i, x := range ino.InotifyWatches {
		if x == any(w) {
			ino.InotifyWatches = append(ino.InotifyWatches[:i], ino.InotifyWatches[i+1:]...)
			break
		}
	}
	ino.SetWatchCount(cur, len(ino.InotifyWatches))
	if w.HPrev != nil {
		w.HPrev.HNext = w.HNext
	} else {
		ih.watches = w.HNext
	}
	if w.HNext != nil {
		w.HNext.HPrev = w.HPrev
	}
	w.HPrev, w.HNext = nil, nil
	if !ino.Watched() {
		ih.Env.setDentryChildFlags(cur, ino, false)
	}
	ih.idr.remove(w.Wd)
}

// removeWatch removes w and sends IN_IGNORED to the consumer, who then
// drops the watch's initial reference (remove_watch).
// Precondition: inode->inotify_mutex and ih->mutex are held.
func removeWatch(cur *lockdep.Task, w *watch.InotifyWatch, ih *InotifyHandle) {
	removeWatchNoEvent(cur, w, ih)
	ih.ops.HandleEvent(cur, w, w.Wd, uapi.IN_IGNORED, 0, "")
}

// FindUpdateWatch updates ih's existing watch on ino and returns its wd, or
// ENOENT if there is none (inotify_find_update_watch). mask is add_watch's
// argument: IN_MASK_ADD ORs it in, IN_MASK_CREATE makes an existing watch
// EEXIST, and a plain re-add replaces the mask and its ONESHOT/EXCL_UNLINK
// flags (inotify_update_existing_watch today). Seed personalities keep
// only IN_ALL_EVENTS|IN_ONESHOT and fail with EINVAL if nothing is left.
// Caller must pin ino (via the looked-up path).
func (ih *InotifyHandle) FindUpdateWatch(cur *lockdep.Task, ino *inode.Inode, mask uapi.Mask) (int32, error) {
	bits := uapi.Mask(ih.Env.P.WatchBits())
	newMask := mask & bits
	if !ih.Env.P.ModernMask && newMask == 0 {
		return 0, syscall.EINVAL
	}
	ino.InotifyMutex.Lock(cur)
	ih.Mutex.Lock(cur)
	defer ino.InotifyMutex.Unlock(cur)
	defer ih.Mutex.Unlock(cur)

	old := inodeFindHandle(cur, ino, ih)
	if old == nil {
		return 0, syscall.ENOENT
	}
	if ih.Env.P.MaskCreate && mask&uapi.IN_MASK_CREATE != 0 {
		return 0, syscall.EEXIST
	}
	if mask&uapi.IN_MASK_ADD != 0 {
		old.Mask |= newMask
	} else {
		old.Mask = newMask
	}
	return old.Wd, nil
}

// AddWatch adds the caller-allocated w on ino with mask and returns its wd
// (inotify_add_watch). The watch pins ino and the handle; it starts with
// the initial reference. Caller must pin ino and call it once per watch.
func (ih *InotifyHandle) AddWatch(cur *lockdep.Task, w *watch.InotifyWatch, ino *inode.Inode, mask uapi.Mask) (int32, error) {
	newMask := mask & uapi.Mask(ih.Env.P.WatchBits())
	if !ih.Env.P.ModernMask && newMask == 0 {
		return 0, syscall.EINVAL
	}
	w.Mask = newMask
	ino.InotifyMutex.Lock(cur)
	ih.Mutex.Lock(cur)
	defer ino.InotifyMutex.Unlock(cur)
	defer ih.Mutex.Unlock(cur)

	if err := ih.handleGetWdLocked(cur, w); err != nil {
		return 0, err
	}
	ih.Get()
	w.Ih = ih
	w.Inode = inode.Igrab(cur, ino)
	w.Count.Init(ih.Env.Refs, "inotify_watch", ih.Env.watchIDs.Add(1), 1)

	// Mark the children before the watch is visible, so a dentry
	// instantiated meanwhile either is marked here or sees Watched().
	wasWatched := ino.Watched()
	ino.InotifyWatches = append([]any{w}, ino.InotifyWatches...)
	ino.SetWatchCount(cur, len(ino.InotifyWatches))
	if !wasWatched {
		ih.Env.setDentryChildFlags(cur, ino, true)
	}
	w.HNext = ih.watches
	if ih.watches != nil {
		ih.watches.HPrev = w
	}
	ih.watches = w
	return w.Wd, nil
}

// RmWd removes the watch wd, which sends IN_IGNORED (inotify_rm_wd).
// EINVAL if ih has no such wd.
func (ih *InotifyHandle) RmWd(cur *lockdep.Task, wd int32) error {
	ih.Mutex.Lock(cur)
	w, ok := ih.idr.find(wd)
	if !ok {
		ih.Mutex.Unlock(cur)
		return syscall.EINVAL
	}
	watch.Get(w)
	ino := w.Inode
	ih.Mutex.Unlock(cur)

	ino.InotifyMutex.Lock(cur)
	ih.Mutex.Lock(cur)
	// make sure that we did not race
	if got, ok := ih.idr.find(wd); ok && got == w {
		removeWatch(cur, w, ih)
	}
	ih.Mutex.Unlock(cur)
	ino.InotifyMutex.Unlock(cur)
	watch.Put(cur, w)
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
		watch.Get(w)
		ih.Mutex.Unlock(cur)

		ino := w.Inode
		ino.InotifyMutex.Lock(cur)
		ih.Mutex.Lock(cur)
		// make sure we didn't race with another list removal
		if got, ok := ih.idr.find(w.Wd); ok && got == w {
			removeWatchNoEvent(cur, w, ih)
			watch.Put(cur, w) // the initial reference: no IN_IGNORED will come
		}
		ih.Mutex.Unlock(cur)
		ino.InotifyMutex.Unlock(cur)
		watch.Put(cur, w)
	}
	ih.Put(cur)
}

// InodeQueueEvent queues an event to every watch on ino whose mask wants it
// (inotify_inode_queue_event). unlinked says the event carries a path whose
// dentry is unlinked: IN_EXCL_UNLINK watches skip it
// (fsnotify_handle_inode_event). After an IN_ONESHOT watch's event, today
// the watch is removed with IN_IGNORED; seed 001 removed it silently.
func (e *Env) InodeQueueEvent(cur *lockdep.Task, ino *inode.Inode, mask uapi.Mask, cookie uint32, name string, unlinked bool) {
	if !ino.Watched() {
		return
	}
	ino.InotifyMutex.Lock(cur)
	// list_for_each_entry_safe: ONESHOT removal edits the list. Both
	// slices stay on the stack for up to 8 watches.
	var wbuf [8]any
	var dbuf [8]*watch.InotifyWatch
	ws := append(wbuf[:0], ino.InotifyWatches...)
	done := dbuf[:0]
	for _, x := range ws {
		w := x.(*watch.InotifyWatch)
		if w.Mask&mask&uapi.IN_ALL_EVENTS == 0 {
			continue
		}
		if unlinked && w.Mask&uapi.IN_EXCL_UNLINK != 0 {
			continue
		}
		ih := w.Ih.(*InotifyHandle)
		ih.Mutex.Lock(cur)
		oneshot := w.Mask&uapi.IN_ONESHOT != 0
		if oneshot {
			// The watch goes now: hold it so that its final put comes
			// after the locks are dropped (seed 000's get/put pair).
			watch.Get(w)
			done = append(done, w)
		}
		switch {
		case oneshot && e.P.Oneshot == personality.OneshotSilent:
			removeWatchNoEvent(cur, w, ih)
			ih.ops.HandleEvent(cur, w, w.Wd, mask, cookie, name)
			watch.Put(cur, w) // the initial reference: no IN_IGNORED will come
		case oneshot:
			ih.ops.HandleEvent(cur, w, w.Wd, mask, cookie, name)
			removeWatch(cur, w, ih)
		default:
			// No reference needed: removal takes inotify_mutex,
			// which we hold (seed 001).
			ih.ops.HandleEvent(cur, w, w.Wd, mask, cookie, name)
		}
		ih.Mutex.Unlock(cur)
	}
	ino.InotifyMutex.Unlock(cur)
	for _, w := range done {
		watch.Put(cur, w)
	}
}

// DentryParentQueueEvent queues an event on d's parent directory, named
// after d, if the parent is watched (inotify_dentry_parent_queue_event):
// d_lock is held only to read d_parent and d_name.
func (e *Env) DentryParentQueueEvent(cur *lockdep.Task, d *dentry.Dentry, mask uapi.Mask, cookie uint32, unlinked bool) {
	name, parent, watched := d.NameAndParent(cur)
	if watched && parent != d {
		if pino := parent.Inode(cur); pino != nil {
			e.InodeQueueEvent(cur, pino, mask, cookie, name, unlinked)
		}
	}
	dentry.Dput(cur, parent)
}

// InodeIsDead removes every watch on ino with IN_IGNORED: the inode was
// deleted (inotify_inode_is_dead).
func (e *Env) InodeIsDead(cur *lockdep.Task, ino *inode.Inode) {
	ino.InotifyMutex.Lock(cur)
	for len(ino.InotifyWatches) > 0 {
		w := ino.InotifyWatches[0].(*watch.InotifyWatch)
		ih := w.Ih.(*InotifyHandle)
		watch.Get(w)
		ih.Mutex.Lock(cur)
		removeWatch(cur, w, ih)
		ih.Mutex.Unlock(cur)
		defer watch.Put(cur, w)
	}
	ino.InotifyMutex.Unlock(cur)
}

// UnmountInodes sends IN_UNMOUNT to, then removes, every watch on sb's
// inodes (inotify_unmount_inodes). Called with iprune_mutex and inode_lock
// held; inode_lock is dropped around each inode, which is safe because the
// current inode and the next one are pinned with __iget, no new inodes
// appear once umount has begun, and iprune_mutex keeps pruning away.
func (e *Env) UnmountInodes(cur *lockdep.Task, sb *inode.SuperBlock) {
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

		mask := uapi.IN_UNMOUNT
		if e.P.UnmountIsDir && ino.IsDir() {
			mask |= uapi.IN_ISDIR
		}
		ino.InotifyMutex.Lock(cur)
		for len(ino.InotifyWatches) > 0 {
			w := ino.InotifyWatches[0].(*watch.InotifyWatch)
			ih := w.Ih.(*InotifyHandle)
			ih.Mutex.Lock(cur)
			ih.ops.HandleEvent(cur, w, w.Wd, mask, 0, "")
			removeWatch(cur, w, ih)
			ih.Mutex.Unlock(cur)
		}
		ino.InotifyMutex.Unlock(cur)
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
func (ih *InotifyHandle) Find(cur *lockdep.Task, wd int32) (*watch.InotifyWatch, bool) {
	ih.Mutex.Lock(cur)
	defer ih.Mutex.Unlock(cur)
	return ih.idr.find(wd)
}

// Wds returns the live wds from the idr, ascending, and the wds on the
// h_list, for invariant checks (the two must agree).
func (ih *InotifyHandle) Wds(cur *lockdep.Task) (fromIdr, fromList []int32) {
	ih.Mutex.Lock(cur)
	defer ih.Mutex.Unlock(cur)
	fromIdr = ih.idr.ids()
	for w := ih.watches; w != nil; w = w.HNext {
		fromList = append(fromList, w.Wd)
	}
	return fromIdr, fromList
}
