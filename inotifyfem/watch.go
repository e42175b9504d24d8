package inotifyfem

// Seed 004's watches (lines 56-79, 361-825) and the monitors FEM calls on
// the watched vnodes (lines 132-359).

import (
	"sync/atomic"

	"github.com/inosim/inosim/inode"
	"github.com/inosim/inosim/internal/kref"
	"github.com/inosim/inosim/internal/lockdep"
	"github.com/inosim/inosim/uapi"
	"github.com/inosim/inosim/vfs"
)

// inotifyWatch is struct inotify_watch (lines 60-79): a watch of an
// instance on a vnode, either top-level (it has a wd and may have
// children) or a child of a watch on a directory (named after the entry,
// no wd of its own).
type inotifyWatch struct {
	id    uint64
	state *inotifyState // inw_state
	vp    *inode.Inode  // inw_vp: held (VN_HOLD) while the watch lives
	name  string        // inw_name: a child's entry name; "" for a top-level watch

	// lock (inw_lock) protects the following fields.
	lock   lockdep.Mutex
	refcnt kref.Ref // inw_refcnt
	cv     kcondvar // inw_cv: inotify_close waits on it for a zombie

	// state.lock (ins_lock) protects the following fields; mask, parent
	// and wd are written under it but read without it at the top of
	// inotify_watch_event, as the seed does: atomics here.
	zombie, fired, active, orphaned bool // inw_zombie, inw_fired, inw_active, inw_orphaned
	mask                            atomic.Uint32
	wd                              atomic.Int32 // inw_wd: 0 for a child, never set; -1 once a top-level watch is a zombie
	// parent is inw_parent: a child's parent watch, and, once the watch is
	// a zombie, the next zombie of its instance (the seed reuses the
	// field for the zombie list).
	parent     atomic.Pointer[inotifyWatch]
	children   watchTree     // inw_children: by vnode
	orphanPrev *inotifyWatch // inw_orphan: the instance's orphan list
	orphanNext *inotifyWatch
	cred       vfs.Cred // inw_cred: the orphaning thread's, while orphaned

	// zombieMark is inw_zombie as inotify_watch_release reads it, under
	// inw_lock alone: set (under both locks) when the watch is zombified.
	zombieMark atomic.Bool
}

// inotifyKevent is struct inotify_kevent (lines 81-87): a queued struct
// inotify_event and its name.
type inotifyKevent struct {
	next   *inotifyKevent // ine_next
	wd     int32
	mask   uint32
	cookie uint32
	len    uint32 // the name's length with its NUL padding (8 bytes)
	name   string // "" for none
}

// size is sizeof (event->ine_event) + len: what the event adds to ins_size
// and takes of a read.
func (e *inotifyKevent) size() int { return uapi.EventHeaderSize + int(e.len) }

// thread is curthread as the driver uses it: the lockdep task, t_did
// (the rename cookie) and the credentials (CRED()).
type thread struct {
	cur  *lockdep.Task
	did  uint64
	cred vfs.Cred
}

// threadOf is the thread making a vnode operation.
func threadOf(a *vfs.VopArgs) thread { return thread{cur: a.Cur, did: a.Did, cred: a.Cred} }

// vnodeKey orders vnodes: the seed compares vnode addresses; the
// simulator compares (device, inode number), stable from run to run.
func vnodeKey(vp *inode.Inode) [2]uint64 { return [2]uint64{vp.Sb.Dev, vp.Ino} }

// inotifyWatchCmpwd is inotify_watch_cmpwd (lines 361-371): the order of
// ins_bywd.
func inotifyWatchCmpwd(lhs, rhs *inotifyWatch) int {
	l, r := lhs.wd.Load(), rhs.wd.Load()
	switch {
	case l < r:
		return -1
	case l > r:
		return 1
	}
	return 0
}

// inotifyWatchCmpvp is inotify_watch_cmpvp (lines 373-385): the order of
// ins_byvp and of a watch's children, by vnode.
func inotifyWatchCmpvp(lhs, rhs *inotifyWatch) int {
	l, r := vnodeKey(lhs.vp), vnodeKey(rhs.vp)
	for i := range l {
		switch {
		case l[i] < r[i]:
			return -1
		case l[i] > r[i]:
			return 1
		}
	}
	return 0
}

// cmpVp and cmpWd are the seed's stack watches used only as search keys
// ("inotify_watch_t cmp = { .inw_vp = vp }").
func cmpVp(vp *inode.Inode) *inotifyWatch { return &inotifyWatch{vp: vp} }

func cmpWd(wd int32) *inotifyWatch {
	w := &inotifyWatch{}
	w.wd.Store(wd)
	return w
}

// hold is inotify_watch_hold (lines 387-394): another reference, under
// inw_lock; FEM's hold function for the watch.
func (w *inotifyWatch) hold(cur *lockdep.Task) {
	w.lock.Lock(cur)
	if w.refcnt.Count() <= 0 {
		panic("inotify_watch_hold: VERIFY(watch->inw_refcnt > 0) failed")
	}
	w.refcnt.Get()
	w.lock.Unlock(cur)
}

// release is inotify_watch_release (lines 396-411): a reference goes,
// never the last (the instance's); a zombie down to that one wakes the
// closer waiting on it. FEM's release function for the watch.
func (w *inotifyWatch) release(cur *lockdep.Task) {
	w.lock.Lock(cur)
	if w.refcnt.Count() <= 1 {
		panic("inotify_watch_release: VERIFY(watch->inw_refcnt > 1) failed")
	}
	w.refcnt.Put()
	if w.refcnt.Count() == 1 && w.zombieUnlocked() {
		w.cv.broadcast() // cv_signal
	}
	w.lock.Unlock(cur)
}

// zombieUnlocked reads inw_zombie where the seed reads it under inw_lock
// alone (inotify_watch_release): the mark inotify_watch_zombify sets under
// both locks. A release that misses it wakes nobody, and nobody waits yet.
func (w *inotifyWatch) zombieUnlocked() bool { return w.zombieMark.Load() }

// femHold and femRele are the hold and release functions fem_install is
// given.
func femHold(cur *lockdep.Task, arg any) { arg.(*inotifyWatch).hold(cur) }
func femRele(cur *lockdep.Task, arg any) { arg.(*inotifyWatch).release(cur) }

// inotifyWatchEvent is inotify_watch_event (lines 413-533): an event on a
// watch. The mask is cut to the watch's; an event of a child watch goes on
// as its parent's, named after the child, if it is a child event. Unless
// it is a removal's IN_IGNORED (IN_REMOVAL: ins_lock held by the caller,
// queued only for an active watch), ins_lock is taken, and a zombie,
// fired or inactive watch queues nothing. Every field of the event comes
// from where the seed takes it: the wd from the watch the event arrived
// on (a child's is 0), the name from the child, IN_ISDIR from the child's
// vnode (only with a child event), the cookie from the thread. A full
// queue turns the event into IN_Q_OVERFLOW with wd -1 and cookie 0 but
// the same name. An event equal to the tail is dropped (coalesced). A
// ONE-SHOT watch is removed once it has queued an event.
func inotifyWatchEvent(t thread, watch *inotifyWatch, mask uint64, name string) {
	state := watch.state
	wd := uint32(watch.wd.Load()) // line 418: before the move to the parent
	var cookie, length uint32
	removal := mask&IN_REMOVAL != 0
	source := watch

	if mask &= uint64(watch.mask.Load()); mask == 0 || mask == uint64(uapi.IN_ISDIR) {
		return
	}
	if parent := watch.parent.Load(); parent != nil {
		// This is an event on the child; we move our watch to be our
		// parent (which we know is around because we have a hold on it).
		if mask&uint64(uapi.IN_CHILD_EVENTS) == 0 {
			return
		}
		name = watch.name
		watch = parent
	}
	cur := t.cur
	if !removal {
		state.lock.Lock(cur)
		if watch.zombie || watch.fired || !watch.active {
			state.lock.Unlock(cur)
			return
		}
	} else {
		if !watch.active {
			return
		}
		lockdep.AssertHeld(cur, &state.lock)
	}
	// If this is an operation on a directory and it's a child event, we
	// specify IN_ISDIR.
	if source.vp.IsDir() && mask&uint64(uapi.IN_CHILD_EVENTS) != 0 {
		mask |= uint64(uapi.IN_ISDIR)
	}
	if mask&uint64(uapi.IN_MOVED_FROM|uapi.IN_MOVED_TO) != 0 {
		cookie = uint32(t.did) // curthread->t_did
	}
	state.stats.Offered++
	if state.nevents >= state.maxevents {
		// We're at our maximum number of events: turn our event into
		// an IN_Q_OVERFLOW event (which keeps its name).
		mask = uint64(uapi.IN_Q_OVERFLOW)
		wd = ^uint32(0)
		cookie, length = 0, 0
		state.stats.Overflowed++
	}
	// Line 479 tests len before line 491 sets it unless the queue is
	// full. GCC folds the undefined value into the 0 the overflow branch
	// gives it, so the test reads len == 0; so does this one.
	if tail := state.tail; tail != nil && uint32(tail.wd) == wd && uint64(tail.mask) == mask &&
		tail.cookie == cookie && ((tail.len == 0 && length == 0) ||
		(name != "" && tail.len != 0 && tail.name == name)) {
		// This is an implicitly coalesced event; we're done.
		state.stats.Merged++
		if !removal {
			state.lock.Unlock(cur)
		}
		return
	}
	if name != "" {
		length = uint32(uapi.IllumosPaddedNameLen(len(name)))
	} else {
		length = 0
	}
	event := &inotifyKevent{wd: int32(wd), mask: uint32(mask), cookie: cookie, len: length, name: name}
	if state.tail != nil {
		state.tail.next = event
	} else {
		if state.head != nil {
			panic("inotify_watch_event: VERIFY(state->ins_head == NULL) failed")
		}
		state.head = event
		state.cv.broadcast() // readers asleep in inotify_read
	}
	state.tail = event
	state.nevents++
	state.size += int32(event.size())
	state.stats.Queued++
	if removal {
		return
	}
	if watch.mask.Load()&uint32(uapi.IN_ONESHOT) != 0 && !watch.fired {
		// A one-shot: the watch goes, which queues its IN_IGNORED
		// through this function again, with IN_REMOVAL.
		watch.fired = true
		state.inotifyWatchRemove(cur, watch)
	}
	state.lock.Unlock(cur)
	// pollwakeup: poll is answered from the queue itself (Poll).
}

// inotifyWatchDestroy is inotify_watch_destroy (lines 535-548): the
// instance's reference, the last, goes and the watch is freed. The seed
// frees the watch with its inw_lock held; the simulator releases the lock
// so that lockdep sees it go.
// Precondition: w.lock (inw_lock) is held.
func inotifyWatchDestroy(cur *lockdep.Task, w *inotifyWatch) {
	lockdep.AssertHeld(cur, &w.lock)
	if !w.refcnt.Put() {
		panic("inotify_watch_destroy: the watch has more than one reference")
	}
	w.lock.Unlock(cur) // kmem_free(watch) frees the mutex held
}

// inotifyWatchZombify is inotify_watch_zombify (lines 550-594): the watch,
// already uninstalled, becomes a zombie: a child lets go of its parent, a
// top-level watch leaves the trees and gives its wd back. With only the
// instance's reference left it is destroyed at once; with an operation
// in flight still holding it, it goes on the instance's zombie list
// (through inw_parent).
// Precondition: the instance's ins_lock is held.
func (state *inotifyState) inotifyWatchZombify(cur *lockdep.Task, w *inotifyWatch) {
	lockdep.AssertHeld(cur, &state.lock)
	if w.zombie {
		panic("inotify_watch_zombify: VERIFY(!watch->inw_zombie) failed")
	}
	w.zombie = true
	if parent := w.parent.Load(); parent != nil {
		parent.release(cur)
	} else {
		state.byvp.remove(w)
		state.bywd.remove(w)
		state.wds.Free(uint64(w.wd.Load()))
		w.wd.Store(-1)
	}
	w.lock.Lock(cur)
	w.zombieMark.Store(true)
	if w.refcnt.Count() == 1 {
		// No operations in flight and no way for anyone to find it.
		inotifyWatchDestroy(cur, w)
		return
	}
	// Operations in flight: enqueue it for later destruction.
	w.parent.Store(state.zombies)
	state.zombies = w
	w.lock.Unlock(cur)
}

// inotifyWatchAdd is inotify_watch_add (lines 596-644): a new watch of the
// instance on vp, which the caller holds for it (VN_HOLD). A top-level
// watch gets a wd from the instance's arena and goes in both trees; a
// child is named, holds its parent, keeps only the parent's child events
// and goes in the parent's children. Then the monitor is installed on vp
// (fem_install, OPARGUNIQ), which holds the watch.
// Precondition: the instance's ins_lock is held.
func (state *inotifyState) inotifyWatchAdd(cur *lockdep.Task, parent *inotifyWatch, name string, vp *inode.Inode, mask uint32) *inotifyWatch {
	lockdep.AssertHeld(cur, &state.lock)
	in := state.in
	w := &inotifyWatch{id: in.watchIDs.Add(1), state: state, vp: vp}
	w.lock.Init(InwLockClass, w.id)
	w.mask.Store(mask)
	w.refcnt.Init(in.refs, "inotify_watch", w.id, 1)
	w.children.cmp = inotifyWatchCmpvp
	if parent == nil {
		wd, err := state.wds.Alloc() // VM_SLEEP: it never fails
		if err != nil {
			panic("inotify_watch_add: vmem_alloc of a wd failed")
		}
		w.wd.Store(int32(wd))
		state.byvp.add(w)
		state.bywd.add(w)
	} else {
		parent.hold(cur)
		w.mask.Store(mask & uint32(uapi.IN_CHILD_EVENTS))
		w.parent.Store(parent)
		w.name = name
		parent.children.add(w)
	}
	// Add our monitor to the vnode: it holds the watch at once.
	if err := in.v.FemInstall(cur, vp, in.femp, w, vfs.OPARGUNIQ, femHold, femRele); err != nil {
		panic("inotify_watch_add: VERIFY(err == 0) failed: " + err.Error())
	}
	return w
}

// inotifyWatchRemove is inotify_watch_remove (lines 646-700): a top-level
// watch goes, from rm_watch, a vnevent or a one-shot. Its monitor comes
// off its vnode; each child is uninstalled, taken off the orphan list if
// it is there, its vnode released, and zombified; then IN_IGNORED is
// queued (if the watch is active), its vnode released and the watch
// zombified.
// Precondition: the instance's ins_lock is held.
func (state *inotifyState) inotifyWatchRemove(cur *lockdep.Task, w *inotifyWatch) {
	lockdep.AssertHeld(cur, &state.lock)
	if w.parent.Load() != nil {
		panic("inotify_watch_remove: VERIFY(watch->inw_parent == NULL) failed")
	}
	v := state.in.v
	if err := v.FemUninstall(cur, w.vp, state.in.femp, w); err != nil {
		panic("inotify_watch_remove: fem_uninstall: " + err.Error())
	}
	for child := w.children.first(); child != nil; child = w.children.first() {
		if child.parent.Load() != w {
			panic("inotify_watch_remove: VERIFY(child->inw_parent == watch) failed")
		}
		w.children.remove(child)
		if err := v.FemUninstall(cur, child.vp, state.in.femp, child); err != nil {
			panic("inotify_watch_remove: fem_uninstall of a child: " + err.Error())
		}
		if child.orphaned {
			state.orphanRemove(child)
			child.cred = vfs.Cred{} // crfree
		}
		inode.Iput(cur, child.vp) // VN_RELE
		state.inotifyWatchZombify(cur, child)
	}
	inotifyWatchEvent(thread{cur: cur}, w, uint64(uapi.IN_IGNORED)|IN_REMOVAL, "")
	inode.Iput(cur, w.vp) // VN_RELE
	state.inotifyWatchZombify(cur, w)
}

// inotifyWatchDelete is inotify_watch_delete (lines 702-793), from a
// vnevent: event is IN_DELETE_SELF (the vnode was removed, or replaced by
// a rename) or IN_MOVE_SELF (it was renamed). A top-level watch goes only
// when its vnode is deleted. A child watch of a deleted vnode is orphaned
// (once; hard links can send VE_REMOVE more than once) unless its parent
// has IN_EXCL_UNLINK; a child watch of a renamed vnode, or one deleted
// under IN_EXCL_UNLINK, leaves its parent (unorphaned first if it was
// orphaned: "we choose the orphan over the move") and becomes a zombie.
func inotifyWatchDelete(t thread, w *inotifyWatch, event uapi.Mask) {
	state := w.state
	cur := t.cur
	if event != uapi.IN_DELETE_SELF && w.mask.Load()&uint32(uapi.IN_CHILD_EVENTS) == 0 {
		return
	}
	state.lock.Lock(cur)
	defer state.lock.Unlock(cur)
	if w.zombie {
		return
	}
	parent := w.parent.Load()
	if parent == nil {
		if event == uapi.IN_DELETE_SELF {
			// Not a child being deleted: the whole watch goes,
			// children and all.
			state.inotifyWatchRemove(cur, w)
		}
		return
	}
	if event == uapi.IN_DELETE_SELF && parent.mask.Load()&uint32(uapi.IN_EXCL_UNLINK) == 0 {
		// A child watch of a removed file: orphaned, until the cleaner
		// finds its hold the only one on the vnode.
		if !w.orphaned {
			w.orphaned = true
			w.cred = t.cred // CRED(), crhold
			state.orphanInsertHead(w)
		}
		return
	}
	if w.orphaned {
		w.cred = vfs.Cred{} // crfree
		state.orphanRemove(w)
	}
	if parent.children.find(cmpVp(w.vp)) == nil {
		return // already deleted from the parent
	}
	parent.children.remove(w)
	if err := state.in.v.FemUninstall(cur, w.vp, state.in.femp, w); err != nil {
		panic("inotify_watch_delete: fem_uninstall: " + err.Error())
	}
	inode.Iput(cur, w.vp) // VN_RELE
	// The operation in flight holds the watch: this makes a zombie.
	state.inotifyWatchZombify(cur, w)
}

// inotifyWatchInsert is inotify_watch_insert (lines 795-825): a child
// watch for vp, named name, under w, from a create, link, mkdir or rename
// into w's directory; only if w wants child events, is no zombie and no
// child itself, and has no child on vp yet. The vnode is held for it.
func inotifyWatchInsert(t thread, w *inotifyWatch, vp *inode.Inode, name string) {
	state := w.state
	cur := t.cur
	if w.mask.Load()&uint32(uapi.IN_CHILD_EVENTS) == 0 {
		return
	}
	state.lock.Lock(cur)
	defer state.lock.Unlock(cur)
	if w.zombie || w.parent.Load() != nil || vp == nil {
		return
	}
	if w.children.find(cmpVp(vp)) != nil {
		return
	}
	if inode.Igrab(cur, vp) == nil { // VN_HOLD
		panic("inotify_watch_insert: VN_HOLD of a vnode being freed")
	}
	state.inotifyWatchAdd(cur, w, name, vp, w.mask.Load())
}

// The monitors (lines 132-343). Each is a vfs.FemOp: it finds its watch in
// fn_available, lets the operation run below it, and queues its event.

// inotifyFopClose is inotify_fop_close: IN_CLOSE_WRITE or
// IN_CLOSE_NOWRITE after a successful close, by the file's FWRITE.
func inotifyFopClose(vf *vfs.FemArg, a *vfs.VopArgs) error {
	watch := vf.Available().(*inotifyWatch)
	rval := vf.Vnext(a)
	if rval == nil {
		mask := uapi.IN_CLOSE_NOWRITE
		if a.Flag&vfs.FWRITE != 0 {
			mask = uapi.IN_CLOSE_WRITE
		}
		inotifyWatchEvent(threadOf(a), watch, uint64(mask), "")
	}
	return rval
}

// inotifyFopCreate is inotify_fop_create: after a successful create (of a
// new file or of one that existed), a child watch for it and IN_CREATE.
func inotifyFopCreate(vf *vfs.FemArg, a *vfs.VopArgs) error {
	watch := vf.Available().(*inotifyWatch)
	rval := vf.Vnext(a)
	if rval == nil {
		inotifyWatchInsert(threadOf(a), watch, a.Vpp, a.Name)
		inotifyWatchEvent(threadOf(a), watch, uint64(uapi.IN_CREATE), a.Name)
	}
	return rval
}

// inotifyFopLink is inotify_fop_link: after a successful link, a child
// watch for the linked vnode and IN_CREATE.
func inotifyFopLink(vf *vfs.FemArg, a *vfs.VopArgs) error {
	watch := vf.Available().(*inotifyWatch)
	rval := vf.Vnext(a)
	if rval == nil {
		inotifyWatchInsert(threadOf(a), watch, a.Svp, a.Name)
		inotifyWatchEvent(threadOf(a), watch, uint64(uapi.IN_CREATE), a.Name)
	}
	return rval
}

// inotifyFopMkdir is inotify_fop_mkdir: a child watch and
// IN_CREATE|IN_ISDIR after a successful mkdir.
func inotifyFopMkdir(vf *vfs.FemArg, a *vfs.VopArgs) error {
	watch := vf.Available().(*inotifyWatch)
	rval := vf.Vnext(a)
	if rval == nil {
		inotifyWatchInsert(threadOf(a), watch, a.Vpp, a.Name)
		inotifyWatchEvent(threadOf(a), watch, uint64(uapi.IN_CREATE|uapi.IN_ISDIR), a.Name)
	}
	return rval
}

// inotifyFopOpen is inotify_fop_open: IN_OPEN after a successful open.
func inotifyFopOpen(vf *vfs.FemArg, a *vfs.VopArgs) error {
	watch := vf.Available().(*inotifyWatch)
	rval := vf.Vnext(a)
	if rval == nil {
		inotifyWatchEvent(threadOf(a), watch, uint64(uapi.IN_OPEN), "")
	}
	return rval
}

// inotifyFopRead is inotify_fop_read: IN_ACCESS after a read, whatever it
// returned.
func inotifyFopRead(vf *vfs.FemArg, a *vfs.VopArgs) error {
	watch := vf.Available().(*inotifyWatch)
	rval := vf.Vnext(a)
	inotifyWatchEvent(threadOf(a), watch, uint64(uapi.IN_ACCESS), "")
	return rval
}

// inotifyFopReaddir is inotify_fop_readdir: IN_ACCESS|IN_ISDIR after a
// readdir, whatever it returned.
func inotifyFopReaddir(vf *vfs.FemArg, a *vfs.VopArgs) error {
	watch := vf.Available().(*inotifyWatch)
	rval := vf.Vnext(a)
	inotifyWatchEvent(threadOf(a), watch, uint64(uapi.IN_ACCESS|uapi.IN_ISDIR), "")
	return rval
}

// inotifyFopRemove is inotify_fop_remove: IN_DELETE after a successful
// remove.
func inotifyFopRemove(vf *vfs.FemArg, a *vfs.VopArgs) error {
	watch := vf.Available().(*inotifyWatch)
	rval := vf.Vnext(a)
	if rval == nil {
		inotifyWatchEvent(threadOf(a), watch, uint64(uapi.IN_DELETE), a.Name)
	}
	return rval
}

// inotifyFopRmdir is inotify_fop_rmdir: IN_DELETE|IN_ISDIR after a
// successful rmdir.
func inotifyFopRmdir(vf *vfs.FemArg, a *vfs.VopArgs) error {
	watch := vf.Available().(*inotifyWatch)
	rval := vf.Vnext(a)
	if rval == nil {
		inotifyWatchEvent(threadOf(a), watch, uint64(uapi.IN_DELETE|uapi.IN_ISDIR), a.Name)
	}
	return rval
}

// inotifyFopSetattr is inotify_fop_setattr: IN_ATTRIB after a successful
// setattr, whatever it set (mode, owner, times, size).
func inotifyFopSetattr(vf *vfs.FemArg, a *vfs.VopArgs) error {
	watch := vf.Available().(*inotifyWatch)
	rval := vf.Vnext(a)
	if rval == nil {
		inotifyWatchEvent(threadOf(a), watch, uint64(uapi.IN_ATTRIB), "")
	}
	return rval
}

// inotifyFopWrite is inotify_fop_write: IN_MODIFY after a write, whatever
// it returned.
func inotifyFopWrite(vf *vfs.FemArg, a *vfs.VopArgs) error {
	watch := vf.Available().(*inotifyWatch)
	rval := vf.Vnext(a)
	inotifyWatchEvent(threadOf(a), watch, uint64(uapi.IN_MODIFY), "")
	return rval
}

// inotifyFopVnevent is inotify_fop_vnevent (lines 279-343): what each
// vnevent does to the watch, before the vnevent goes on: a rename makes
// IN_MOVE_SELF and takes a child watch off its parent; a removal makes
// IN_ATTRIB (only on an explicit watch, "bug-for-bug compatibility"), then,
// like being replaced by a rename, IN_DELETE_SELF and the watch's
// deletion; an rmdir makes IN_DELETE_SELF (without IN_ISDIR) and the
// deletion; a re-create IN_MODIFY|IN_ATTRIB; a link IN_ATTRIB; a rename out
// of or into a watched directory IN_MOVED_FROM or IN_MOVED_TO with the
// name, the latter after a child watch for the renamed vnode is put in.
func inotifyFopVnevent(vf *vfs.FemArg, a *vfs.VopArgs) error {
	watch := vf.Available().(*inotifyWatch)
	t := threadOf(a)
	name := a.Name
	switch a.Event {
	case vfs.VE_RENAME_SRC:
		inotifyWatchEvent(t, watch, uint64(uapi.IN_MOVE_SELF), "")
		inotifyWatchDelete(t, watch, uapi.IN_MOVE_SELF)
	case vfs.VE_REMOVE, vfs.VE_RENAME_DEST:
		if a.Event == vfs.VE_REMOVE && watch.parent.Load() == nil {
			inotifyWatchEvent(t, watch, uint64(uapi.IN_ATTRIB), "")
		}
		inotifyWatchEvent(t, watch, uint64(uapi.IN_DELETE_SELF), "")
		inotifyWatchDelete(t, watch, uapi.IN_DELETE_SELF)
	case vfs.VE_RMDIR:
		inotifyWatchEvent(t, watch, uint64(uapi.IN_DELETE_SELF), "")
		inotifyWatchDelete(t, watch, uapi.IN_DELETE_SELF)
	case vfs.VE_CREATE:
		inotifyWatchEvent(t, watch, uint64(uapi.IN_MODIFY|uapi.IN_ATTRIB), "")
	case vfs.VE_LINK:
		inotifyWatchEvent(t, watch, uint64(uapi.IN_ATTRIB), "")
	case vfs.VE_RENAME_SRC_DIR:
		inotifyWatchEvent(t, watch, uint64(uapi.IN_MOVED_FROM), name)
	case vfs.VE_RENAME_DEST_DIR:
		// The seed falls back on dvp->v_path for a missing name; the
		// VFS always gives the new name.
		inotifyWatchInsert(t, watch, a.Svp, name)
		inotifyWatchEvent(t, watch, uint64(uapi.IN_MOVED_TO), name)
	case vfs.VE_SUPPORT, vfs.VE_MOUNTEDOVER, vfs.VE_TRUNCATE:
	}
	return vf.Vnext(a)
}

// inotifyVnodesrcTemplate is inotify_vnodesrc_template (lines 345-359):
// the vnode operations the monitor intercepts, for fem_create.
func inotifyVnodesrcTemplate() map[vfs.Vop]vfs.FemOp {
	return map[vfs.Vop]vfs.FemOp{
		vfs.VOP_CLOSE:   inotifyFopClose,
		vfs.VOP_CREATE:  inotifyFopCreate,
		vfs.VOP_LINK:    inotifyFopLink,
		vfs.VOP_MKDIR:   inotifyFopMkdir,
		vfs.VOP_OPEN:    inotifyFopOpen,
		vfs.VOP_READ:    inotifyFopRead,
		vfs.VOP_READDIR: inotifyFopReaddir,
		vfs.VOP_REMOVE:  inotifyFopRemove,
		vfs.VOP_RMDIR:   inotifyFopRmdir,
		vfs.VOP_SETATTR: inotifyFopSetattr,
		vfs.VOP_WRITE:   inotifyFopWrite,
		vfs.VOP_VNEVENT: inotifyFopVnevent,
	}
}
