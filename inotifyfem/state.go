package inotifyfem

// Seed 004's instance (lines 89-107), the bodies of its ioctls (lines
// 828-975), the cleaner (lines 977-1036) and the device entry points
// (lines 1038-1346).

import (
	"context"
	"sync/atomic"
	"syscall"

	"github.com/inosim/inosim/hooks"
	"github.com/inosim/inosim/inode"
	"github.com/inosim/inosim/internal/kref"
	"github.com/inosim/inosim/internal/lockdep"
	"github.com/inosim/inosim/internal/vmem"
	"github.com/inosim/inosim/uapi"
	"github.com/inosim/inosim/vfs"
)

// Stats count what an instance's queue did with the events offered to it,
// so that every event is accounted for: Offered = Queued + Merged, and
// every queued event is read, still queued, or flushed at close.
type Stats struct {
	Offered    int // reached the queue (past the mask, zombie, fired and active tests)
	Queued     int // put on the queue (IN_Q_OVERFLOW events included)
	Merged     int // dropped as equal to the tail event
	Overflowed int // turned into IN_Q_OVERFLOW by a full queue (then queued or merged)
	Read       int // copied out by inotify_read
	Flushed    int // freed by inotify_close
}

// inotifyState is struct inotify_state (lines 89-107): one open instance,
// the soft state of its clone minor.
type inotifyState struct {
	in    *Inotify
	id    uint64
	minor uint64
	ref   kref.Ref // the soft state, from inotify_open to inotify_close

	// lock (ins_lock) protects the following fields, and the flags,
	// masks, children, orphan links and zombie links of its watches.
	lock       lockdep.Mutex
	byvp       watchTree   // ins_byvp: top-level watches by vnode
	bywd       watchTree   // ins_bywd: top-level watches by wd
	wds        *vmem.Arena // ins_wds
	maxwatches int         // ins_maxwatches
	maxevents  int         // ins_maxevents
	nevents    int         // ins_nevents
	size       int32       // ins_size
	head, tail *inotifyKevent
	cv         kcondvar      // ins_cv: readers wait on it
	orphans    *inotifyWatch // ins_orphans, newest first (list_insert_head)
	zombies    *inotifyWatch // ins_zombies, linked through inw_parent
	stats      Stats

	cleaner atomic.Bool // ins_cleaner: the ddi_periodic cyclic is set up
	cred    vfs.Cred    // ins_cred: the opener's, held (crhold)

	next *inotifyState // ins_next: the global list; inotify_lock protects it
}

var (
	_ vfs.FileOperations = (*inotifyState)(nil)
	_ vfs.Reader         = (*inotifyState)(nil)
	_ vfs.Ioctler        = (*inotifyState)(nil)
	_ vfs.Poller         = (*inotifyState)(nil)
)

// orphanInsertHead is list_insert_head(&state->ins_orphans, w).
func (state *inotifyState) orphanInsertHead(w *inotifyWatch) {
	w.orphanPrev, w.orphanNext = nil, state.orphans
	if state.orphans != nil {
		state.orphans.orphanPrev = w
	}
	state.orphans = w
}

// orphanRemove is list_remove(&state->ins_orphans, w).
func (state *inotifyState) orphanRemove(w *inotifyWatch) {
	if w.orphanPrev != nil {
		w.orphanPrev.orphanNext = w.orphanNext
	} else {
		state.orphans = w.orphanNext
	}
	if w.orphanNext != nil {
		w.orphanNext.orphanPrev = w.orphanPrev
	}
	w.orphanPrev, w.orphanNext = nil, nil
}

// inotifyAddWatch is inotify_add_watch (lines 828-881), the body of
// INOTIFYIOC_ADD_WATCH: the event bits and modifiers of mask, plus the
// unmaskable ones, make the watch's mask; unknown bits are dropped, and a
// mask with no event is a watch all the same. A vnode the instance does
// not watch yet gets a new, inactive watch (held for it) unless the
// instance has ins_maxwatches top-level watches (ENOSPC); one it watches
// has its mask replaced, or, with IN_MASK_ADD, added to (its children
// keep theirs). It returns the wd.
func (state *inotifyState) inotifyAddWatch(cur *lockdep.Task, vp *inode.Inode, mask uint32) (int32, error) {
	set := mask&uint32(uapi.IN_ALL_EVENTS|IN_MODIFIERS) | uint32(IN_UNMASKABLE)
	state.lock.Lock(cur)
	defer state.lock.Unlock(cur)
	watch := state.byvp.find(cmpVp(vp))
	if watch == nil {
		if state.bywd.numnodes() >= state.maxwatches {
			return -1, syscall.ENOSPC
		}
		if inode.Igrab(cur, vp) == nil { // VN_HOLD
			panic("inotify_add_watch: VN_HOLD of a vnode being freed")
		}
		watch = state.inotifyWatchAdd(cur, nil, "", vp, set)
		return watch.wd.Load(), nil
	}
	if watch.zombie {
		panic("inotify_add_watch: VERIFY(!watch->inw_zombie) failed")
	}
	if mask&uint32(uapi.IN_MASK_ADD) == 0 {
		// Resetting the mask: child watches made for child events the
		// new mask drops stay, with their old masks ("they won't fire").
		watch.mask.Store(0)
	}
	watch.mask.Store(watch.mask.Load() | set)
	return watch.wd.Load(), nil
}

// inotifyAddChild is inotify_add_child (lines 883-938), the body of
// INOTIFYIOC_ADD_CHILD: name, an entry of the directory dir (the open file
// dirPath), is looked up without following a symlink (its errno, or
// EINVAL for a name with a '/'); the instance's watch on dir gets a child
// watch on it unless it has one. ENXIO if the instance does not watch
// dir. Read permission on the entry is not needed.
func (state *inotifyState) inotifyAddChild(c hooks.Caller, dir *inode.Inode, dirPath vfs.Path, name string) error {
	cur := c.Cur()
	for i := 0; i < len(name); i++ {
		if name[i] == '/' {
			return syscall.EINVAL
		}
	}
	p, err := c.VFS().WalkAt(c.Ctx(), dirPath, name, 0) // lookupnameat(NO_FOLLOW)
	if err != nil {
		return err
	}
	cvp := inode.Igrab(cur, p.Dentry.Inode(cur)) // the hold lookupnameat returns
	p.Put(cur)
	if cvp == nil {
		return syscall.ENOENT
	}
	state.lock.Lock(cur)
	watch := state.byvp.find(cmpVp(dir))
	if watch == nil {
		// Unexpected: we don't have the watch we thought we had.
		state.lock.Unlock(cur)
		inode.Iput(cur, cvp)
		return syscall.ENXIO
	}
	if watch.children.find(cmpVp(cvp)) != nil {
		state.lock.Unlock(cur)
		inode.Iput(cur, cvp)
		return nil
	}
	state.inotifyWatchAdd(cur, watch, name, cvp, watch.mask.Load())
	state.lock.Unlock(cur)
	return nil
}

// inotifyRmWatch is inotify_rm_watch (lines 940-956), the body of
// INOTIFYIOC_RM_WATCH: EINVAL for a wd the instance does not have.
func (state *inotifyState) inotifyRmWatch(cur *lockdep.Task, wd int32) error {
	state.lock.Lock(cur)
	defer state.lock.Unlock(cur)
	watch := state.bywd.find(cmpWd(wd))
	if watch == nil {
		return syscall.EINVAL
	}
	state.inotifyWatchRemove(cur, watch)
	return nil
}

// inotifyActivate is inotify_activate (lines 958-975), the body of
// INOTIFYIOC_ACTIVATE: the watch starts to queue events. EINVAL for a wd
// the instance does not have.
func (state *inotifyState) inotifyActivate(cur *lockdep.Task, wd int32) error {
	state.lock.Lock(cur)
	defer state.lock.Unlock(cur)
	watch := state.bywd.find(cmpWd(wd))
	if watch == nil {
		return syscall.EINVAL
	}
	watch.active = true
	return nil
}

// inotifyClean is inotify_clean (lines 977-1036), the instance's
// one-second cyclic: each orphan whose vnode only it holds (v_count 1)
// leaves its parent, comes off its vnode and the orphan list, lets go of
// the vnode with the orphaning thread's credentials, and is zombified;
// then each zombie down to its last reference is destroyed.
func (state *inotifyState) inotifyClean(cur *lockdep.Task) {
	v := state.in.v
	state.lock.Lock(cur)
	defer state.lock.Unlock(cur)
	var next *inotifyWatch
	for w := state.orphans; w != nil; w = next {
		next = w.orphanNext
		parent := w.parent.Load()
		if w.zombie || parent == nil {
			panic("inotify_clean: an orphan is a zombie or has no parent")
		}
		if v.VnodeCount(cur, w.vp) > 1 {
			continue
		}
		parent.children.remove(w)
		if err := v.FemUninstall(cur, w.vp, state.in.femp, w); err != nil {
			panic("inotify_clean: fem_uninstall: " + err.Error())
		}
		state.orphanRemove(w)
		// The vnode is released with the orphaning thread's cred
		// (curthread->t_cred switched, then restored); nothing of the
		// simulated release reads it.
		inode.Iput(cur, w.vp)
		w.cred = vfs.Cred{} // crfree
		state.inotifyWatchZombify(cur, w)
	}
	var prev *inotifyWatch // the zombie whose inw_parent links to w; nil: ins_zombies
	for w := state.zombies; w != nil; {
		w.lock.Lock(cur)
		next := w.parent.Load()
		if w.refcnt.Count() == 1 {
			if prev == nil {
				state.zombies = next
			} else {
				prev.parent.Store(next)
			}
			inotifyWatchDestroy(cur, w)
			w = next
			continue
		}
		prev = w
		w.lock.Unlock(cur)
		w = next
	}
}

// inotifyOpen is inotify_open (lines 1038-1106): EMFILE when the
// opener's cred_t has inotify_maxinstances instances already (counted by
// cred_t, not by user); otherwise a new instance on a new clone minor,
// holding the cred, its limits copied from the tunables, with its cleaner
// set up.
func (in *Inotify) inotifyOpen(cur *lockdep.Task, cred vfs.Cred) (*inotifyState, error) {
	in.lock.Lock(cur)
	instances := 0
	for s := in.states; s != nil; s = s.next {
		if s.cred.ID == cred.ID {
			instances++
		}
	}
	if int64(instances) >= in.MaxUserInstances.Load() {
		in.lock.Unlock(cur)
		return nil, syscall.EMFILE
	}
	minor, err := in.minor.Alloc()
	if err != nil {
		in.lock.Unlock(cur)
		return nil, syscall.ENXIO
	}
	state := &inotifyState{in: in, id: in.stateIDs.Add(1), minor: minor, cred: cred}
	state.ref.Init(in.refs, "inotify_state", state.id, 1) // ddi_soft_state_zalloc
	state.lock.Init(InsLockClass, state.id)
	state.next = in.states
	in.states = state
	state.wds = vmem.Create("inotify_watchid", 1, 1<<32-1)
	state.bywd.cmp = inotifyWatchCmpwd
	state.byvp.cmp = inotifyWatchCmpvp
	state.maxwatches = int(in.MaxUserWatches.Load())
	state.maxevents = int(in.MaxQueuedEvents.Load())
	in.lock.Unlock(cur)
	state.cleaner.Store(true) // ddi_periodic_add(inotify_clean, state, NANOSEC)
	return state, nil
}

// Read is inotify_read (lines 1108-1169): with nothing queued, EAGAIN for
// a non-blocking file, else a sleep on ins_cv that a signal (ctx's end)
// breaks with EINTR; then whole events, oldest first, while the next fits
// in n bytes; EINVAL if not even the first does. Names are padded to 8.
func (state *inotifyState) Read(ctx context.Context, cur *lockdep.Task, f *vfs.File, n int) ([]byte, error) {
	state.lock.Lock(cur)
	defer state.lock.Unlock(cur)
	for state.head == nil {
		if f.Flags&uapi.O_NONBLOCK != 0 {
			return nil, syscall.EAGAIN
		}
		if !state.cv.waitSig(cur, &state.lock, ctx.Done()) {
			return nil, syscall.EINTR
		}
	}
	var out []byte
	nevents := 0
	for event := state.head; event != nil; event = state.head {
		length := event.size()
		if n-len(out) < length {
			if nevents == 0 {
				return nil, syscall.EINVAL
			}
			break
		}
		nevents++
		out = uapi.Event{Wd: event.wd, Mask: uapi.Mask(event.mask), Cookie: event.cookie, Name: event.name}.AppendEncodeIllumos(out)
		state.nevents--
		state.size -= int32(length)
		state.stats.Read++
		if state.head = event.next; state.head == nil {
			if event != state.tail || state.nevents != 0 {
				panic("inotify_read: the queue's books do not balance")
			}
			state.tail = nil
		}
	}
	return out, nil
}

// Poll is inotify_poll (lines 1171-1195): readable iff an event is
// queued.
func (state *inotifyState) Poll(cur *lockdep.Task, f *vfs.File) bool {
	state.lock.Lock(cur)
	defer state.lock.Unlock(cur)
	return state.head != nil
}

// Ioctl is inotify_ioctl (lines 1197-1269) for the requests whose
// argument is a value: INOTIFYIOC_RM_WATCH and INOTIFYIOC_ACTIVATE (the
// wd), FIONREAD (ins_size, read under ins_lock). INOTIFYIOC_ADD_WATCH and
// INOTIFYIOC_ADD_CHILD copy a structure in; without one (a value for an
// argument) the copyin faults, EFAULT. Anything else is ENOTTY.
func (state *inotifyState) Ioctl(cur *lockdep.Task, f *vfs.File, req uint, arg int64) (int, error) {
	switch req {
	case uapi.INOTIFYIOC_RM_WATCH:
		return 0, state.inotifyRmWatch(cur, int32(arg))
	case uapi.INOTIFYIOC_ACTIVATE:
		return 0, state.inotifyActivate(cur, int32(arg))
	case uapi.FIONREAD:
		state.lock.Lock(cur)
		size := state.size
		state.lock.Unlock(cur)
		return int(size), nil
	case uapi.INOTIFYIOC_ADD_WATCH, uapi.INOTIFYIOC_ADD_CHILD:
		return -1, syscall.EFAULT
	}
	return -1, syscall.ENOTTY
}

// InotifyIoctl is inotify_ioctl for the requests that copy a structure in
// and name a file of the caller: INOTIFYIOC_ADD_WATCH (getf of inaw_fd:
// EBADF; then inotify_add_watch on its vnode, returning the wd) and
// INOTIFYIOC_ADD_CHILD (getf of inac_fd, then inotify_add_child). fd is the
// instance: EBADF if it is not open; a file that is no instance answers
// with its own ioctl (ENOTTY).
func (in *Inotify) InotifyIoctl(c hooks.Caller, fd int, req uint, arg any) (int, error) {
	cur := c.Cur()
	f, err := c.Fget(fd)
	if err != nil {
		return -1, err
	}
	defer vfs.Fput(cur, f)
	state, ok := f.Ops.(*inotifyState)
	if !ok {
		if req == uapi.FIONREAD || req == uapi.INOTIFYIOC_RM_WATCH || req == uapi.INOTIFYIOC_ACTIVATE {
			n, _ := arg.(int64)
			return c.VFS().Ioctl(c.Ctx(), f, req, n)
		}
		return -1, syscall.ENOTTY
	}
	switch req {
	case uapi.INOTIFYIOC_ADD_WATCH:
		aw, ok := arg.(uapi.InotifyAddwatch)
		if !ok {
			return -1, syscall.EFAULT
		}
		vp, release, err := getfVnode(c, int(aw.Fd))
		if err != nil {
			return -1, err
		}
		defer release()
		wd, err := state.inotifyAddWatch(cur, vp, aw.Mask)
		return int(wd), err
	case uapi.INOTIFYIOC_ADD_CHILD:
		ac, ok := arg.(uapi.InotifyAddchild)
		if !ok {
			return -1, syscall.EFAULT
		}
		df, err := c.Fget(int(ac.Fd))
		if err != nil {
			return -1, syscall.EBADF
		}
		defer vfs.Fput(cur, df)
		if df.Path.Dentry == nil {
			return -1, syscall.ENOTDIR
		}
		return 0, state.inotifyAddChild(c, df.Path.Dentry.Inode(cur), df.Path, ac.Name)
	}
	n, _ := arg.(int64)
	return state.Ioctl(cur, f, req, n)
}

// getfVnode is getf(fd)->f_vnode: EBADF for an fd not open; the
// simulator's instance files have no vnode to watch (EINVAL). release is
// releasef.
func getfVnode(c hooks.Caller, fd int) (*inode.Inode, func(), error) {
	f, err := c.Fget(fd)
	if err != nil {
		return nil, nil, syscall.EBADF
	}
	if f.Path.Dentry == nil {
		vfs.Fput(c.Cur(), f)
		return nil, nil, syscall.EINVAL
	}
	return f.Path.Dentry.Inode(c.Cur()), func() { vfs.Fput(c.Cur(), f) }, nil
}

// Release is inotify_close (lines 1271-1346), at the last close of the
// instance's file: every watch is removed (their IN_IGNORED queued and
// freed with the rest), the queue freed, the zombies waited for (until
// only their instance's reference is left) and destroyed, the cleaner
// stopped, and the instance leaves the global list, giving back its cred,
// its wd arena and its minor.
func (state *inotifyState) Release(cur *lockdep.Task, f *vfs.File) {
	in := state.in
	state.lock.Lock(cur)
	for watch := state.bywd.first(); watch != nil; watch = state.bywd.first() {
		state.inotifyWatchRemove(cur, watch)
	}
	for event := state.head; event != nil; event = state.head {
		state.head = event.next
		state.stats.Flushed++
	}
	state.tail, state.nevents, state.size = nil, 0, 0
	zombies := state.zombies
	state.zombies = nil
	state.lock.Unlock(cur)

	// With ins_lock dropped, wait for the zombies.
	for watch := zombies; watch != nil; {
		next := watch.parent.Load()
		watch.lock.Lock(cur)
		for watch.refcnt.Count() > 1 {
			watch.cv.wait(cur, &watch.lock)
		}
		inotifyWatchDestroy(cur, watch)
		watch = next
	}
	state.cleaner.Store(false) // ddi_periodic_delete

	in.lock.Lock(cur)
	in.closed = in.closed.add(state.stats)
	for sp := &in.states; ; sp = &(*sp).next {
		if *sp == nil {
			panic("inotify_close: VERIFY(*sp != NULL) failed")
		}
		if *sp == state {
			*sp = state.next
			break
		}
	}
	state.cred = vfs.Cred{} // crfree
	if leaked := state.wds.Destroy(); leaked != 0 {
		panic("inotify_close: vmem_destroy: leaked identifiers")
	}
	state.ref.Put() // ddi_soft_state_free
	in.minor.Free(state.minor)
	in.lock.Unlock(cur)
}
