package fsnotify

// fs/notify/mark.c: marks, the connectors that hang them on an inode, and
// the reaper that frees both after an SRCU grace period.

import (
	"sync/atomic"
	"syscall"

	"github.com/inosim/inosim/inode"
	"github.com/inosim/inosim/internal/kref"
	"github.com/inosim/inosim/internal/lockdep"
	"github.com/inosim/inosim/internal/personality"
	"github.com/inosim/inosim/uapi"
)

// Lock classes of fs/notify/mark.c (its LOCKING block: group->mark_mutex,
// then mark->lock, then mark->connector->lock) and of the reaper.
var (
	MarkLockClass            = lockdep.NewClass("mark->lock")
	ConnLockClass            = lockdep.NewClass("mark->connector->lock")
	DestroyLockClass         = lockdep.NewClass("destroy_lock")
	ReaperWorkClass          = lockdep.NewClass("reaper_work")
	ConnectorReaperWorkClass = lockdep.NewClass("connector_reaper_work")
)

// Mark is struct fsnotify_mark: one group's interest in one inode. A
// backend embeds it, as the first field, in its own mark (inotify's
// inotify_inode_mark) and finds that again with container_of (an unsafe
// conversion of the pointer, the embedding checked at compile time).
type Mark struct {
	// Refcnt is refcnt. Each of these holds a reference: the creator's
	// (fsnotify_init_mark, until the creator puts it), the group's list
	// while attached, and any a backend takes (inotify's idr). At the last
	// put the mark leaves its connector and waits on destroy_list for the
	// reaper, which frees it after a grace period (kref's InitRCU).
	Refcnt kref.Ref
	group  *Group // set by InitMark, never changed

	// Lock (mark->lock) protects mask and flags against writers; both are
	// read without it (READ_ONCE) by event delivery.
	Lock  lockdep.Mutex
	mask  atomic.Uint32
	flags atomic.Uint32

	// connector is set when the mark joins a connector's list and cleared
	// at its last put (WRITE_ONCE under the connector's lock).
	connector atomic.Pointer[Connector]

	// The connector's lock protects objPrev and onList; objNext is also
	// read inside SRCU read-side sections, and a mark taken off the list
	// keeps it, so that a reader standing on the mark walks on
	// (hlist_del_init_rcu).
	objNext atomic.Pointer[Mark]
	objPrev *Mark
	onList  bool

	// group->mark_mutex protects the g_list links while attached;
	// destroy_lock protects destroyNext (the kernel reuses g_list).
	gPrev, gNext *Mark
	destroyNext  *Mark
}

// Mask returns the events the mark asks for (READ_ONCE(mark->mask)).
func (m *Mark) Mask() uapi.Mask { return uapi.Mask(m.mask.Load()) }

// SetMaskLocked sets the mark's mask. Precondition: m.Lock is held.
func (m *Mark) SetMaskLocked(cur *lockdep.Task, mask uapi.Mask) {
	lockdep.AssertHeld(cur, &m.Lock)
	m.mask.Store(uint32(mask))
}

// Flags returns the mark's flags (READ_ONCE(mark->flags)).
func (m *Mark) Flags() uint32 { return m.flags.Load() }

// SetFlagsLocked sets the mark's flags. Precondition: m.Lock is held.
func (m *Mark) SetFlagsLocked(cur *lockdep.Task, flags uint32) {
	lockdep.AssertHeld(cur, &m.Lock)
	m.flags.Store(flags)
}

// Connector returns the connector the mark hangs on, nil once detached
// from it (READ_ONCE(mark->connector)).
func (m *Mark) Connector() *Connector { return m.connector.Load() }

// Connector is struct fsnotify_mark_connector: the list of marks of one
// inode, which points back at it and holds a reference on it while a
// mark attached to it wants one (FSNOTIFY_CONN_FLAG_HAS_IREF). It is
// allocated at the inode's first mark and freed, after a grace period,
// once its last mark has left it.
type Connector struct {
	// Ref is its lifetime as kref sees it (the kernel counts nothing): 1
	// from the allocation to the put of the mark that empties the list,
	// which queues it on connector_destroy_list; freed by the reaper.
	Ref kref.Ref
	ID  uint64

	// Lock (mark->connector->lock) protects the following fields; first
	// is also read inside SRCU read-side sections.
	Lock     lockdep.Mutex
	detached bool         // FSNOTIFY_OBJ_TYPE_DETACHED
	obj      *inode.Inode // the inode; nil once detached
	hasIref  bool         // FSNOTIFY_CONN_FLAG_HAS_IREF
	first    atomic.Pointer[Mark]

	destroyNext *Connector // on connector_destroy_list, under destroy_lock
}

// compareGroups orders the groups of a mark list (fsnotify_compare_groups):
// 0 for the same group, 1 when b comes before a. The kernel orders by
// priority (the same for every inotify group) and then by the groups'
// addresses, highest first; the group's ID stands in for its address.
func compareGroups(a, b *Group) int {
	switch {
	case a == b:
		return 0
	case a == nil:
		return 1
	case b == nil:
		return -1
	case a.ID < b.ID:
		return 1
	}
	return -1
}

// InitMark sets up a new mark of g with one reference, the caller's
// (fsnotify_init_mark); it holds a reference on g.
func (fs *Fsnotify) InitMark(m *Mark, g *Group) {
	id := fs.markIDs.Add(1)
	m.Lock.Init(MarkLockClass, id)
	m.Refcnt.InitRCU(fs.refs, "fsnotify_mark", id, 1)
	g.Get()
	m.group = g
}

// GetMark takes a reference on a mark that has one (fsnotify_get_mark).
func GetMark(m *Mark) { m.Refcnt.Get() }

// recalcMaskLocked recomputes the inode's mask from its attached marks and
// takes or drops the connector's inode reference with them
// (__fsnotify_recalc_mask, fsnotify_update_iref): it returns the inode
// whose reference the caller must drop outside the lock, if any.
// Precondition: conn.Lock is held.
func (fs *Fsnotify) recalcMaskLocked(cur *lockdep.Task, conn *Connector) *inode.Inode {
	lockdep.AssertHeld(cur, &conn.Lock)
	if conn.detached {
		return nil // an inode being unlinked may leave us a detached one
	}
	var mask uapi.Mask
	wantIref := false
	for m := conn.first.Load(); m != nil; m = m.objNext.Load() {
		if m.flags.Load()&FSNOTIFY_MARK_FLAG_ATTACHED != 0 {
			mask |= uapi.Mask(m.mask.Load())
			wantIref = true // inotify marks all pin their inode
		}
	}
	marksOf(conn.obj).mask.Store(uint32(mask))
	if wantIref == conn.hasIref {
		return nil
	}
	if wantIref {
		fs.getInodeRef(conn.obj)
		conn.hasIref = true
		return nil
	}
	conn.hasIref = false
	return conn.obj
}

// RecalcMask recomputes the inode's mask after a mark's mask changed
// (fsnotify_recalc_mask), and if the inode has just started watching its
// children, sets its children's dentry flags. The caller keeps conn alive
// (it holds mark_mutex or a reference on a mark of the list).
func (fs *Fsnotify) RecalcMask(cur *lockdep.Task, conn *Connector) {
	if conn == nil {
		return
	}
	conn.Lock.Lock(cur)
	updateChildren := !fs.connWatchesChildren(conn)
	drop := fs.recalcMaskLocked(cur, conn)
	updateChildren = updateChildren && fs.connWatchesChildren(conn)
	obj := conn.obj
	conn.Lock.Unlock(cur)
	fs.putInodeRef(cur, drop)
	if updateChildren {
		fs.setChildrenDentryFlags(cur, obj)
	}
}

// connWatchesChildren is fsnotify_conn_watches_children.
func (fs *Fsnotify) connWatchesChildren(conn *Connector) bool {
	return !conn.detached && marksOf(conn.obj).Watched()
}

// getInodeRef pins the inode for its connector (fsnotify_get_inode_ref:
// ihold, and one more watched object on the super block).
func (fs *Fsnotify) getInodeRef(ino *inode.Inode) {
	inode.Iget(ino)
	attachSbInfo(ino.Sb).watched.Add(1)
}

// putInodeRef drops a connector's pin, outside any spinlock
// (fsnotify_put_inode_ref, by way of fsnotify_drop_object); nil does
// nothing.
func (fs *Fsnotify) putInodeRef(cur *lockdep.Task, ino *inode.Inode) {
	if ino == nil {
		return
	}
	sb := ino.Sb // read before the inode can go
	inode.Iput(cur, ino)
	sbInfoOf(sb).putWatched()
}

// detachConnectorLocked unhooks conn from its inode
// (fsnotify_detach_connector_from_object): the inode's mask is cleared and
// its connector pointer too, so a new mark gets a new connector. It
// returns the inode whose reference the caller drops outside the lock.
// Precondition: conn.Lock is held.
func (fs *Fsnotify) detachConnectorLocked(cur *lockdep.Task, conn *Connector) *inode.Inode {
	lockdep.AssertHeld(cur, &conn.Lock)
	if conn.detached {
		return nil
	}
	ino := conn.obj
	s := marksOf(ino)
	s.mask.Store(0)
	s.conn.Store(nil) // rcu_assign_pointer(*connp, NULL)
	sbInfoOf(ino.Sb).connectors.Add(-1)
	conn.obj = nil
	conn.detached = true
	if !conn.hasIref {
		return nil
	}
	conn.hasIref = false
	return ino
}

// PutMark drops a reference on m (fsnotify_put_mark). The last one takes
// the mark off its connector's list (under the connector's lock, which it
// takes only then: refcount_dec_and_lock), detaches a connector left empty
// and queues it for freeing, drops the inode reference that is no longer
// wanted, and queues the mark on destroy_list for the reaper. The
// children's dentry flags are left as they are: they are cleared lazily.
func (fs *Fsnotify) PutMark(cur *lockdep.Task, m *Mark) {
	conn := m.connector.Load()
	if conn == nil { // never attached to an object
		if m.Refcnt.Put() {
			m.Refcnt.Free()
			fs.finalMarkDestroy(cur, m)
		}
		return
	}
	if m.Refcnt.PutNotLast() {
		return
	}
	conn.Lock.Lock(cur)
	if !m.Refcnt.Put() {
		conn.Lock.Unlock(cur)
		return
	}
	fs.objListDelLocked(cur, conn, m)
	var drop *inode.Inode
	freeConn := false
	if conn.first.Load() == nil {
		drop = fs.detachConnectorLocked(cur, conn)
		freeConn = true
	} else {
		drop = fs.recalcMaskLocked(cur, conn)
	}
	m.connector.Store(nil)
	conn.Lock.Unlock(cur)

	fs.putInodeRef(cur, drop)
	if freeConn && fs.p.Has(personality.BugConnectorUAF) {
		// 4.12–4.16: kmem_cache_free at once, no grace period for the
		// fsnotify() readers still on it.
		conn.Ref.Put()
		conn.Ref.Free()
	} else if freeConn {
		conn.Ref.Put()
		fs.destroyLock.Lock(cur)
		conn.destroyNext = fs.connectorDestroyList
		fs.connectorDestroyList = conn
		fs.destroyLock.Unlock(cur)
		fs.connectorReaperWork.queue()
	}
	fs.destroyLock.Lock(cur)
	m.destroyNext = fs.destroyList
	fs.destroyList = m
	fs.destroyLock.Unlock(cur)
	fs.reaperWork.queue()
}

// objListDelLocked takes m off conn's list, leaving its next pointer for
// readers still on it (hlist_del_init_rcu).
// Precondition: conn.Lock is held.
func (fs *Fsnotify) objListDelLocked(cur *lockdep.Task, conn *Connector, m *Mark) {
	lockdep.AssertHeld(cur, &conn.Lock)
	if !m.onList {
		return
	}
	next := m.objNext.Load()
	if m.objPrev == nil {
		conn.first.Store(next)
	} else {
		m.objPrev.objNext.Store(next)
	}
	if next != nil {
		next.objPrev = m.objPrev
	}
	m.objPrev, m.onList = nil, false
}

// finalMarkDestroy frees a mark whose grace period is over
// (fsnotify_final_mark_destroy): the group's free_mark, then the mark's
// reference on its group.
func (fs *Fsnotify) finalMarkDestroy(cur *lockdep.Task, m *Mark) {
	g := m.group
	g.ops.FreeMark(cur, m)
	g.Put(cur)
}

// DetachMark takes m off its group's list and out of its inode's mask
// (the mark stays on the connector's list until its last put), and drops
// the list's reference (fsnotify_detach_mark). A second call does nothing.
// The caller holds a reference on m or is inside an SRCU read-side
// section. Precondition: the group's mark_mutex is held.
func (fs *Fsnotify) DetachMark(cur *lockdep.Task, m *Mark) {
	g := m.group
	lockdep.AssertHeld(cur, &g.MarkMutex)
	m.Lock.Lock(cur)
	flags := m.flags.Load()
	if flags&FSNOTIFY_MARK_FLAG_ATTACHED == 0 {
		m.Lock.Unlock(cur)
		return
	}
	m.flags.Store(flags &^ FSNOTIFY_MARK_FLAG_ATTACHED)
	g.marksListDelLocked(cur, m)
	m.Lock.Unlock(cur)
	fs.PutMark(cur, m) // the reference fsnotify_add_mark_locked took
}

// FreeMark marks m dead and tells its group (fsnotify_free_mark): inotify
// sends IN_IGNORED and frees the wd. A second call does nothing. The
// memory goes later, after the last reference and a grace period.
func (fs *Fsnotify) FreeMark(cur *lockdep.Task, m *Mark) {
	g := m.group
	m.Lock.Lock(cur)
	flags := m.flags.Load()
	if flags&FSNOTIFY_MARK_FLAG_ALIVE == 0 {
		m.Lock.Unlock(cur)
		return
	}
	m.flags.Store(flags &^ FSNOTIFY_MARK_FLAG_ALIVE)
	m.Lock.Unlock(cur)
	g.ops.FreeingMark(cur, m, g)
}

// DestroyMark detaches and frees m (fsnotify_destroy_mark): rm_watch,
// IN_ONESHOT, and each mark of a dying inode.
func (fs *Fsnotify) DestroyMark(cur *lockdep.Task, m *Mark, g *Group) {
	g.MarkMutex.Lock(cur)
	fs.DetachMark(cur, m)
	g.MarkMutex.Unlock(cur)
	fs.FreeMark(cur, m)
}

// attachConnector gives the inode a connector
// (fsnotify_attach_connector_to_object); if another task got there first,
// the new one is freed at once (it was never seen).
func (fs *Fsnotify) attachConnector(cur *lockdep.Task, ino *inode.Inode, s *inodeMarks) {
	id := fs.connID.Add(1)
	conn := &Connector{ID: id, obj: ino}
	conn.Lock.Init(ConnLockClass, id)
	conn.Ref.InitRCU(fs.refs, "fsnotify_mark_connector", id, 1)
	sbi := attachSbInfo(ino.Sb)
	sbi.connectors.Add(1)
	if !s.conn.CompareAndSwap(nil, conn) {
		sbi.connectors.Add(-1)
		conn.Ref.Put()
		conn.Ref.Free()
	}
}

// grabConnector returns the inode's live connector with its lock held, or
// nil (fsnotify_grab_connector): the pointer is read inside an SRCU
// section, which ends once the lock (which keeps the connector alive) is
// taken.
func (fs *Fsnotify) grabConnector(cur *lockdep.Task, s *inodeMarks) *Connector {
	idx := fs.MarkSrcu.ReadLock(cur)
	defer fs.MarkSrcu.ReadUnlock(cur, idx)
	if s == nil {
		return nil
	}
	conn := s.conn.Load()
	if conn == nil {
		return nil
	}
	conn.Lock.Lock(cur)
	if conn.detached {
		conn.Lock.Unlock(cur)
		return nil
	}
	return conn
}

// addMarkList puts m on ino's connector's list, in group order, making the
// connector first if there is none (fsnotify_add_mark_list). EEXIST if
// the group already has an attached mark there and allowDups is false.
func (fs *Fsnotify) addMarkList(cur *lockdep.Task, m *Mark, ino *inode.Inode, allowDups bool) error {
	s := attachMarks(ino)
	for {
		m.Lock.Lock(cur)
		conn := fs.grabConnector(cur, s)
		if conn == nil {
			m.Lock.Unlock(cur)
			fs.attachConnector(cur, ino, s)
			continue // restart
		}
		err := fs.addMarkListLocked(cur, conn, m, allowDups)
		conn.Lock.Unlock(cur)
		m.Lock.Unlock(cur)
		return err
	}
}

// addMarkListLocked is the body of fsnotify_add_mark_list.
// Precondition: conn.Lock is held.
func (fs *Fsnotify) addMarkListLocked(cur *lockdep.Task, conn *Connector, m *Mark, allowDups bool) error {
	lockdep.AssertHeld(cur, &conn.Lock)
	var last *Mark
	for l := conn.first.Load(); l != nil; l = l.objNext.Load() {
		last = l
		if l.group == m.group && l.flags.Load()&FSNOTIFY_MARK_FLAG_ATTACHED != 0 && !allowDups {
			return syscall.EEXIST
		}
		if compareGroups(l.group, m.group) >= 0 { // before l
			m.objPrev = l.objPrev
			m.objNext.Store(l)
			if l.objPrev == nil {
				conn.first.Store(m)
			} else {
				l.objPrev.objNext.Store(m)
			}
			l.objPrev = m
			m.onList = true
			m.connector.Store(conn)
			return nil
		}
	}
	m.objPrev = last
	m.objNext.Store(nil)
	if last == nil {
		conn.first.Store(m)
	} else {
		last.objNext.Store(m)
	}
	m.onList = true
	m.connector.Store(conn)
	return nil
}

// AddInodeMarkLocked attaches the initialised mark m to ino
// (fsnotify_add_inode_mark_locked, fsnotify_add_mark_locked): it joins the
// group's list (with a reference for it) and the inode's connector, and
// the inode's mask is recomputed. Precondition: the group's mark_mutex is
// held.
func (fs *Fsnotify) AddInodeMarkLocked(cur *lockdep.Task, m *Mark, ino *inode.Inode, allowDups bool) error {
	g := m.group
	lockdep.AssertHeld(cur, &g.MarkMutex)
	// LOCKING ORDER!!!! group->mark_mutex, mark->lock, mark->connector->lock
	m.Lock.Lock(cur)
	m.flags.Store(m.flags.Load() | FSNOTIFY_MARK_FLAG_ALIVE | FSNOTIFY_MARK_FLAG_ATTACHED)
	g.marksListAddLocked(cur, m)
	GetMark(m) // for g_list
	m.Lock.Unlock(cur)

	if err := fs.addMarkList(cur, m, ino, allowDups); err != nil {
		m.Lock.Lock(cur)
		m.flags.Store(m.flags.Load() &^ (FSNOTIFY_MARK_FLAG_ALIVE | FSNOTIFY_MARK_FLAG_ATTACHED))
		g.marksListDelLocked(cur, m)
		m.Lock.Unlock(cur)
		fs.PutMark(cur, m)
		return err
	}
	fs.RecalcMask(cur, m.connector.Load())
	return nil
}

// FindMark returns g's attached mark on ino with a reference, or nil
// (fsnotify_find_inode_mark).
func (fs *Fsnotify) FindMark(cur *lockdep.Task, ino *inode.Inode, g *Group) *Mark {
	conn := fs.grabConnector(cur, marksOf(ino))
	if conn == nil {
		return nil
	}
	defer conn.Lock.Unlock(cur)
	for m := conn.first.Load(); m != nil; m = m.objNext.Load() {
		if m.group == g && m.flags.Load()&FSNOTIFY_MARK_FLAG_ATTACHED != 0 {
			GetMark(m)
			return m
		}
	}
	return nil
}

// ClearMarksByGroup destroys every mark of g (fsnotify_clear_marks_by_group
// with FSNOTIFY_OBJ_TYPE_ANY): one at a time, since freeing a mark needs
// mark_mutex dropped, and each pinned across the gap.
func (fs *Fsnotify) ClearMarksByGroup(cur *lockdep.Task, g *Group) {
	if fs.p.Has(personality.BugClearMarksUAF) {
		fs.clearMarksCachedNext(cur, g)
		return
	}
	for {
		g.MarkMutex.Lock(cur)
		m := g.marksList
		if m == nil {
			g.MarkMutex.Unlock(cur)
			return
		}
		GetMark(m)
		fs.DetachMark(cur, m)
		g.MarkMutex.Unlock(cur)
		fs.FreeMark(cur, m)
		fs.PutMark(cur, m)
	}
}

// clearMarksCachedNext is 4.1's fsnotify_clear_marks_by_group_flags, put
// back by personality.BugClearMarksUAF: list_for_each_entry_safe over the
// group's marks, each destroyed with mark_mutex dropped around its free,
// the walk going on from the next mark read before the drop. A next mark
// another task destroyed meanwhile is read after its free (Touch, and
// GetMark of a mark whose count is zero).
func (fs *Fsnotify) clearMarksCachedNext(cur *lockdep.Task, g *Group) {
	g.MarkMutex.Lock(cur)
	for m := g.marksList; m != nil; {
		m.Refcnt.Touch()
		next := m.gNext // lmark
		GetMark(m)
		fs.DetachMark(cur, m)
		g.MarkMutex.Unlock(cur)
		fs.FreeMark(cur, m)
		fs.PutMark(cur, m)
		g.MarkMutex.Lock(cur)
		m = next
	}
	g.MarkMutex.Unlock(cur)
}

// destroyMarks destroys every mark on the inode whose fields are s and
// detaches its connector, dropping the inode reference at once rather than
// at the marks' last puts (fsnotify_destroy_marks). The connector's lock
// is dropped around each mark; the mark held across the gap stays on the
// list, so the walk goes on from it.
func (fs *Fsnotify) destroyMarks(cur *lockdep.Task, s *inodeMarks) {
	conn := fs.grabConnector(cur, s)
	if conn == nil {
		return
	}
	var old *Mark
	for m := conn.first.Load(); m != nil; m = m.objNext.Load() {
		GetMark(m)
		conn.Lock.Unlock(cur)
		if old != nil {
			fs.PutMark(cur, old)
		}
		old = m
		fs.DestroyMark(cur, m, m.group)
		conn.Lock.Lock(cur)
	}
	drop := fs.detachConnectorLocked(cur, conn)
	conn.Lock.Unlock(cur)
	if old != nil {
		fs.PutMark(cur, old)
	}
	fs.putInodeRef(cur, drop)
}

// markDestroyWorkfn is the reaper (fsnotify_mark_destroy_workfn): it takes
// destroy_list, waits for a grace period, and frees every mark on it.
func (fs *Fsnotify) markDestroyWorkfn(cur *lockdep.Task) {
	fs.destroyLock.Lock(cur)
	list := fs.destroyList
	fs.destroyList = nil
	fs.destroyLock.Unlock(cur)

	fs.MarkSrcu.Synchronize(cur)

	for m := list; m != nil; {
		next := m.destroyNext
		m.destroyNext = nil
		m.Refcnt.Free()
		fs.finalMarkDestroy(cur, m)
		m = next
	}
}

// connectorDestroyWorkfn frees the connectors queued for freeing once a
// grace period has passed (fsnotify_connector_destroy_workfn).
func (fs *Fsnotify) connectorDestroyWorkfn(cur *lockdep.Task) {
	fs.destroyLock.Lock(cur)
	list := fs.connectorDestroyList
	fs.connectorDestroyList = nil
	fs.destroyLock.Unlock(cur)

	fs.MarkSrcu.Synchronize(cur)

	for c := list; c != nil; {
		next := c.destroyNext
		c.destroyNext = nil
		c.Ref.Free()
		c = next
	}
}

// WaitMarksDestroyed waits until every mark queued for destruction has
// been freed (fsnotify_wait_marks_destroyed: flush_delayed_work of the
// reaper, which this kernel runs at once on a kernel thread while cur
// waits).
func (fs *Fsnotify) WaitMarksDestroyed(cur *lockdep.Task) {
	fs.reaperWork.flush(cur, fs.v)
}
