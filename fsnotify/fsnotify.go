package fsnotify

// fs/notify/fsnotify.c: fsnotify(), __fsnotify_parent(), send_to_group(),
// fsnotify_handle_event(), the children's dentry flags, unmount and
// eviction; and the kernel-wide state of fs/notify (the SRCU, the reaper's
// lists).

import (
	"sync"
	"sync/atomic"

	"github.com/inosim/inosim/dentry"
	"github.com/inosim/inosim/hooks"
	"github.com/inosim/inosim/inode"
	"github.com/inosim/inosim/internal/kref"
	"github.com/inosim/inosim/internal/lockdep"
	"github.com/inosim/inosim/internal/personality"
	"github.com/inosim/inosim/internal/sched"
	"github.com/inosim/inosim/internal/srcu"
	"github.com/inosim/inosim/uapi"
)

// MarkSrcuClass is the lockdep class of fsnotify_mark_srcu's read side.
var MarkSrcuClass = lockdep.NewClass("fsnotify_mark_srcu")

// Fsnotify is the kernel-wide state of fs/notify, one per simulated kernel:
// fsnotify_mark_srcu, the cookie counter, the reaper's destroy lists and
// its two work items. It is today's hooks.Fsnotifier.
type Fsnotify struct {
	p      *personality.P // the historical bugs put back (personality.Bug)
	dcache *dentry.Dcache // dcache_lock: this VFS's lock on d_subdirs and i_dentry
	refs   *kref.Tracker
	v      *lockdep.Validator

	// MarkSrcu is fsnotify_mark_srcu: the mark lists are walked inside its
	// read side, and marks and connectors are freed only after a grace
	// period.
	MarkSrcu srcu.Struct

	cookie                    atomic.Uint32 // fsnotify_sync_cookie
	groupIDs, markIDs, connID atomic.Uint64

	// destroyLock (destroy_lock) protects the following fields.
	destroyLock          lockdep.Mutex
	destroyList          *Mark      // marks past their last put, newest first
	connectorDestroyList *Connector // detached connectors past their last mark

	reaperWork          work // fsnotify_mark_destroy_workfn
	connectorReaperWork work // fsnotify_connector_destroy_workfn
}

var (
	_ hooks.Fsnotifier = (*Fsnotify)(nil)
	_ hooks.Kthread    = (*Fsnotify)(nil)
)

// New returns fs/notify of a new kernel whose dentries live in dc
// (fsnotify_init, with fsnotify_mark_srcu's init_srcu_struct); v makes the
// reaper's kernel threads.
func New(p *personality.P, dc *dentry.Dcache, refs *kref.Tracker, v *lockdep.Validator) *Fsnotify {
	fs := &Fsnotify{p: p, dcache: dc, refs: refs, v: v}
	fs.MarkSrcu.Init(MarkSrcuClass)
	fs.destroyLock.Init(DestroyLockClass, 0)
	fs.reaperWork.init(ReaperWorkClass, fs.markDestroyWorkfn)
	fs.connectorReaperWork.init(ConnectorReaperWorkClass, fs.connectorDestroyWorkfn)
	return fs
}

// GetCookie returns a new cookie to pair IN_MOVED_FROM with IN_MOVED_TO
// (fsnotify_get_cookie: atomic_inc_return, so 0 after a wrap).
func (fs *Fsnotify) GetCookie() uint32 { return fs.cookie.Add(1) }

// inodeMarks are the inode's fsnotify fields (i_fsnotify_marks, the
// connector pointer, and i_fsnotify_mask), attached to the inode on its
// first mark (see inode.AttachNotify).
type inodeMarks struct {
	conn atomic.Pointer[Connector] // i_fsnotify_marks: read under SRCU, set by cmpxchg
	mask atomic.Uint32             // i_fsnotify_mask: written under the connector's lock
}

var _ inode.NotifyState = (*inodeMarks)(nil)

// Watched is fsnotify_inode_watches_children: whether some mark on the
// inode wants events on its children (what the dentries' parent-watched
// flag follows).
func (s *inodeMarks) Watched() bool { return watchesChildren(uapi.Mask(s.mask.Load())) }

// watchesChildren is fsnotify_inode_watches_children on a mask.
func watchesChildren(mask uapi.Mask) bool {
	return mask&FS_EVENT_ON_CHILD != 0 && mask&FS_EVENTS_POSS_ON_CHILD != 0
}

// marksOf returns ino's fsnotify fields, nil if it never had a mark.
func marksOf(ino *inode.Inode) *inodeMarks {
	if ino == nil {
		return nil
	}
	s, _ := ino.Notify().(*inodeMarks)
	return s
}

// hasMarks is the test fsnotify() makes before anything else for each
// object: whether it has a connector (i_fsnotify_marks). Without one there
// is no mark to keep alive, so no SRCU section at all.
func hasMarks(s *inodeMarks) bool { return s != nil && s.conn.Load() != nil }

// attachMarks returns ino's fsnotify fields, attaching them first if
// needed.
func attachMarks(ino *inode.Inode) *inodeMarks {
	if s := marksOf(ino); s != nil {
		return s
	}
	return ino.AttachNotify(&inodeMarks{}).(*inodeMarks)
}

// InodeMask is i_fsnotify_mask: the events some mark on ino asks for (0
// for an inode never watched).
func InodeMask(ino *inode.Inode) uapi.Mask {
	if s := marksOf(ino); s != nil {
		return uapi.Mask(s.mask.Load())
	}
	return 0
}

// sbInfo is struct fsnotify_sb_info: what fs/notify keeps per super block,
// attached at its first connector.
type sbInfo struct {
	// connectors counts the attached connectors of the super block's
	// inodes (fsnotify_sb_has_watchers: no event is looked at on a file
	// system without one).
	connectors atomic.Int64
	// watched counts the inode references the connectors hold
	// (s_fsnotify_connectors, watched_objects): unmount waits for it to
	// reach zero before evicting.
	watched atomic.Int64

	mu   sync.Mutex    // the wait_var_event wait queue's own lock
	wake chan struct{} // closed when watched reaches zero
}

func sbInfoOf(sb *inode.SuperBlock) *sbInfo {
	s, _ := sb.Notify().(*sbInfo)
	return s
}

func attachSbInfo(sb *inode.SuperBlock) *sbInfo {
	if s := sbInfoOf(sb); s != nil {
		return s
	}
	return sb.AttachNotify(&sbInfo{}).(*sbInfo)
}

// sbHasWatchers is fsnotify_sb_has_watchers: whether any inode of sb has
// a connector, the test include/linux/fsnotify.h makes before anything
// else.
func sbHasWatchers(sb *inode.SuperBlock) bool {
	s := sbInfoOf(sb)
	return s != nil && s.connectors.Load() > 0
}

// putWatched drops one of sb's watched objects and wakes an unmount waiting
// for the last (wake_up_var).
func (s *sbInfo) putWatched() {
	if s.watched.Add(-1) != 0 {
		return
	}
	s.mu.Lock()
	if s.wake != nil {
		close(s.wake)
		s.wake = nil
	}
	s.mu.Unlock()
}

// waitUnwatched blocks until no connector holds an inode of the super
// block (wait_var_event(fsnotify_sb_watched_objects(sb), !...)); under
// the deterministic scheduler it waits there, so the reaper's thread runs.
func (s *sbInfo) waitUnwatched(cur *lockdep.Task) {
	if sched.WaitUntil(cur, "fsnotify_sb_watched_objects", func() bool { return s.watched.Load() == 0 }) {
		return
	}
	for {
		s.mu.Lock()
		if s.watched.Load() == 0 {
			s.mu.Unlock()
			return
		}
		if s.wake == nil {
			s.wake = make(chan struct{})
		}
		ch := s.wake
		s.mu.Unlock()
		<-ch
	}
}

// The iterator's object types (enum fsnotify_iter_type): the marks of the
// inode the event is about and of its parent, when the parent watches its
// children. inotify has no mount or super block marks.
const (
	iterTypeInode = iota
	iterTypeParent
	iterTypeCount
)

// iterInfo is struct fsnotify_iter_info: a cursor into each mark list, and
// which of them report to the group chosen in this step.
type iterInfo struct {
	marks      [iterTypeCount]*Mark
	reportMask uint8
	group      *Group // current_group
}

// firstMark returns the first mark of the inode's list, inside the SRCU
// section (fsnotify_first_mark); s is not nil (the kernel's connp never
// is), but its connector may have gone since fsnotify() looked.
func (fs *Fsnotify) firstMark(cur *lockdep.Task, s *inodeMarks) *Mark {
	conn := s.conn.Load()
	if conn == nil {
		return nil
	}
	if fs.p.Has(personality.BugConnectorUAF) {
		lockdep.MightSleep(cur) // an SRCU reader is preemptible: switch here under the bug only
	}
	if conn.Ref.Tracked() {
		conn.Ref.Touch() // srcu_dereference(conn->list.first)
	}
	return conn.first.Load()
}

// selectReportTypes picks, among the marks under the cursors, those of the
// group that comes first (fsnotify_iter_select_report_types): the lists
// are sorted by fsnotify_compare_groups, so the cursors meet each group at
// once. A parent's mark reports only if it watches children. It reports
// whether there is any group left. The kernel loops over its object
// types; inotify's two are written out (this runs twice per event).
func (it *iterInfo) selectReportTypes() bool {
	im, pm := it.marks[iterTypeInode], it.marks[iterTypeParent]
	var max *Group
	if im != nil {
		max = im.group
	}
	if pm != nil && compareGroups(max, pm.group) > 0 {
		max = pm.group
	}
	if max == nil {
		return false
	}
	it.group = max
	it.reportMask = 0
	if im != nil && im.group == max {
		it.reportMask = 1 << iterTypeInode
	}
	// Is *this mark* watching children?
	if pm != nil && pm.group == max && uapi.Mask(pm.mask.Load())&FS_EVENT_ON_CHILD != 0 {
		it.reportMask |= 1 << iterTypeParent
	}
	return true
}

// done reports that both lists are walked to their ends (the test
// selectReportTypes makes first, kept apart so that it inlines).
func (it *iterInfo) done() bool {
	return it.marks[iterTypeInode] == nil && it.marks[iterTypeParent] == nil
}

// next moves past the marks of the group just handled
// (fsnotify_iter_next); a mark unlinked meanwhile still leads on.
func (it *iterInfo) next() {
	if m := it.marks[iterTypeInode]; m != nil && m.group == it.group {
		it.marks[iterTypeInode] = m.objNext.Load()
	}
	if m := it.marks[iterTypeParent]; m != nil && m.group == it.group {
		it.marks[iterTypeParent] = m.objNext.Load()
	}
}

// mark returns the mark of type t if it reports in this step.
func (it *iterInfo) mark(t int) *Mark {
	if it.reportMask&(1<<t) == 0 {
		return nil
	}
	return it.marks[t]
}

// FsnotifyName is fsnotify_name: a directory entry event on dir, named.
// Nothing happens on a file system without marks (fsnotify()'s first
// test, fsnotify_sb_has_watchers); see fsnotify for the rest.
func (fs *Fsnotify) FsnotifyName(cur *lockdep.Task, dir *inode.Inode, mask uapi.Mask, name string, cookie uint32) {
	if sbHasWatchers(dir.Sb) {
		fs.fsnotify(cur, &eventArgs{mask: mask, dir: dir, name: name, cookie: cookie})
	}
}

// FsnotifyInode is fsnotify_inode: an event on ino itself, FS_ISDIR added
// for a directory.
func (fs *Fsnotify) FsnotifyInode(cur *lockdep.Task, ino *inode.Inode, mask uapi.Mask, unlinked bool) {
	if !sbHasWatchers(ino.Sb) || !hasMarks(marksOf(ino)) {
		return // fsnotify()'s first tests, made before its arguments are
	}
	if ino.IsDir() {
		mask |= FS_ISDIR
	}
	fs.fsnotify(cur, &eventArgs{mask: mask, ino: ino, unlinked: unlinked})
}

// eventArgs are fsnotify()'s arguments (mask, dir, file_name, inode,
// cookie) and whether the event's path is unlinked. The kernel passes them
// one by one down to fsnotify_handle_inode_event; here they go down as one
// struct by pointer, because Go passes at most nine words in registers and
// spills the rest at every call of the chain.
type eventArgs struct {
	mask     uapi.Mask
	dir      *inode.Inode
	name     string
	ino      *inode.Inode
	cookie   uint32
	unlinked bool
}

// fsnotify is fsnotify(): the event goes to every group with a mark on
// a.ino (with a.ino nil, a directory entry event on a.dir) and, for an
// event on a child (FS_EVENT_ON_CHILD), with a mark on the parent a.dir.
// The mark lists are walked inside an fsnotify_mark_srcu read-side
// section, taking no lock and no reference: a mark removed meanwhile stays
// readable until the grace period ends.
func (fs *Fsnotify) fsnotify(cur *lockdep.Task, a *eventArgs) {
	ino, parent := a.ino, (*inode.Inode)(nil)
	if ino == nil {
		ino = a.dir // dirent event: report on TYPE_INODE to dir
	} else if a.mask&FS_EVENT_ON_CHILD != 0 {
		parent = a.dir // event on child: TYPE_PARENT to dir, TYPE_INODE to the child
	}
	si, sp := marksOf(ino), marksOf(parent)
	var marksMask uint32
	if hasMarks(si) {
		marksMask = si.mask.Load()
	} else {
		si = nil
	}
	if hasMarks(sp) {
		marksMask |= sp.mask.Load()
	} else {
		sp = nil
	}
	if si == nil && sp == nil || a.mask&ALL_FSNOTIFY_EVENTS&uapi.Mask(marksMask) == 0 {
		return
	}
	idx := fs.MarkSrcu.ReadLock(cur)
	var it iterInfo
	if si != nil {
		it.marks[iterTypeInode] = fs.firstMark(cur, si)
	}
	if sp != nil {
		it.marks[iterTypeParent] = fs.firstMark(cur, sp)
	}
	for !it.done() && it.selectReportTypes() {
		fs.sendToGroup(cur, a, &it)
		it.next()
	}
	fs.MarkSrcu.ReadUnlock(cur, idx)
}

// sendToGroup is send_to_group: the event goes to the group if one of its
// reporting marks asks for it (inotify sets no ignore masks).
func (fs *Fsnotify) sendToGroup(cur *lockdep.Task, a *eventArgs, it *iterInfo) {
	var marksMask uapi.Mask
	if m := it.mark(iterTypeInode); m != nil {
		marksMask = uapi.Mask(m.mask.Load())
	}
	if m := it.mark(iterTypeParent); m != nil {
		marksMask |= uapi.Mask(m.mask.Load())
	}
	if a.mask&ALL_FSNOTIFY_EVENTS&marksMask == 0 {
		return
	}
	fs.handleEvent(cur, it.group, a, it)
}

// handleEvent is fsnotify_handle_event, for a group with a
// handle_inode_event op: the parent's mark first (with the name), then the
// inode's own (without FS_EVENT_ON_CHILD, and named only for a directory
// entry event).
func (fs *Fsnotify) handleEvent(cur *lockdep.Task, g *Group, a *eventArgs, it *iterInfo) {
	if pm := it.mark(iterTypeParent); pm != nil {
		fs.handleInodeEvent(cur, g, pm, a.mask, a.dir, a.name, 0, a)
	}
	im := it.mark(iterTypeInode)
	if im == nil {
		return
	}
	mask, dir, name := a.mask&^FS_EVENT_ON_CHILD, a.dir, a.name
	if mask&ALL_FSNOTIFY_DIRENT_EVENTS == 0 {
		dir, name = nil, ""
	}
	fs.handleInodeEvent(cur, g, im, mask, dir, name, a.cookie, a)
}

// handleInodeEvent is fsnotify_handle_inode_event: an IN_EXCL_UNLINK mark
// skips an event whose path is unlinked, and a mark gets only the events
// it asks for (an event may come with two marks of the group). mask, dir,
// name and cookie are what this mark is told; a gives the inode and
// whether its path is unlinked.
func (fs *Fsnotify) handleInodeEvent(cur *lockdep.Task, g *Group, m *Mark, mask uapi.Mask, dir *inode.Inode, name string, cookie uint32, a *eventArgs) {
	if a.unlinked && m.flags.Load()&FSNOTIFY_MARK_FLAG_EXCL_UNLINK != 0 {
		return
	}
	if mask&uapi.Mask(m.mask.Load())&ALL_FSNOTIFY_EVENTS == 0 && !fs.p.Has(personality.BugParentChildMask) {
		return // 5.9 and 5.10 lacked this test: send_to_group had tested the marks' union
	}
	g.ops.HandleInodeEvent(cur, m, mask, a.ino, dir, name, cookie)
}

// FsnotifyParent is fsnotify_parent and __fsnotify_parent: an event on d
// goes to d's inode and, if the parent-watched flag of d is set and the
// parent still watches its children for this event, to the parent too,
// named after d, in one fsnotify() call. A flag found stale (the parent
// stopped watching) is cleared here, lazily (fsnotify_clear_child_dentry_flag).
// A directory whose flag is clear, and the root, tell only themselves.
func (fs *Fsnotify) FsnotifyParent(cur *lockdep.Task, d *dentry.Dentry, mask uapi.Mask, unlinked bool) {
	ino := d.Inode(cur)
	if ino == nil || !sbHasWatchers(ino.Sb) {
		return
	}
	if !d.ParentWatched() {
		// notify_child (a directory), or nobody watches the path
		// (fsnotify_object_watched).
		if mask&InodeMask(ino)&ALL_FSNOTIFY_EVENTS != 0 {
			fs.fsnotify(cur, &eventArgs{mask: mask, ino: ino, unlinked: unlinked})
		}
		return
	}
	// dget_parent and the name snapshot (taken before the test of the
	// parent's interest here, in one d_lock section: see
	// dentry.ParentAndName).
	parent, name := d.ParentAndName(cur)
	if parent == d { // IS_ROOT: a disconnected dentry cannot notify a parent
		dentry.Dput(cur, parent)
		fs.fsnotify(cur, &eventArgs{mask: mask, ino: ino, unlinked: unlinked})
		return
	}
	pino := parent.Inode(cur)
	pMask := InodeMask(pino)
	if !watchesChildren(pMask) {
		d.ClearParentWatched(cur)
		pMask = 0
	}
	if mask&pMask&ALL_FSNOTIFY_EVENTS != 0 {
		fs.fsnotify(cur, &eventArgs{mask: mask | FS_EVENT_ON_CHILD, dir: pino, name: name, ino: ino, unlinked: unlinked})
	} else {
		fs.fsnotify(cur, &eventArgs{mask: mask, dir: pino, ino: ino, unlinked: unlinked})
	}
	dentry.Dput(cur, parent)
}

// setChildrenDentryFlags sets the parent-watched flag on every child
// dentry of ino's aliases (fsnotify_set_children_dentry_flags), called when
// ino starts watching its children; clearing is lazy (FsnotifyParent).
// Today's kernel walks the aliases under inode->i_lock and each child under
// its d_lock; this VFS keeps i_dentry and d_subdirs under dcache_lock, as
// 2.6.31's __fsnotify_update_child_dentry_flags did.
func (fs *Fsnotify) setChildrenDentryFlags(cur *lockdep.Task, ino *inode.Inode) {
	if !ino.IsDir() {
		return
	}
	fs.dcache.Lock.Lock(cur)
	fs.dcache.SetChildFlagsLocked(cur, ino, true)
	fs.dcache.Lock.Unlock(cur)
}

// InodeDelete is __fsnotify_inode_delete (fsnotify_clear_marks_by_inode):
// every mark on ino goes, from fsnotify_inoderemove at the last link and
// from eviction. An inode with no connector has nothing to destroy: the
// kernel enters the SRCU read side to find its pointer NULL
// (fsnotify_grab_connector); this model reads the pointer without it, as
// fsnotify() itself does ("if we do not walk the lists, we do not have to
// do SRCU"), which spares every unwatched inode's death a section.
func (fs *Fsnotify) InodeDelete(cur *lockdep.Task, ino *inode.Inode) {
	s := marksOf(ino)
	if !hasMarks(s) {
		return
	}
	fs.destroyMarks(cur, s)
}

// SbDelete is fsnotify_sb_delete: fsnotify_unmount_inodes, then the wait
// for the connectors' inode references to go. The VFS calls it with
// iprune_mutex and inode_lock held (this VFS's lock on sb->s_inodes and
// i_state, which today's kernel splits into sb->s_inode_list_lock and
// inode->i_lock); it drops inode_lock around each inode, and returns with
// it held.
func (fs *Fsnotify) SbDelete(cur *lockdep.Task, sb *inode.SuperBlock) {
	c := sb.Cache
	lockdep.AssertHeld(cur, &c.IpruneMutex)
	lockdep.AssertHeld(cur, &c.InodeLock)
	s := sbInfoOf(sb)
	if s == nil {
		return // no mark was ever added on this file system
	}
	fs.unmountInodes(cur, sb)
	c.InodeLock.Unlock(cur)
	s.waitUnwatched(cur)
	c.InodeLock.Lock(cur)
}

// unmountInodes is fsnotify_unmount_inodes: each inode in use gets
// FS_UNMOUNT and loses its marks. The list lock is dropped around each
// inode, which is pinned (__iget) so that it stays on the list; the
// previous one is put only then, outside the lock.
// Precondition: inode_lock is held (and held again on return).
func (fs *Fsnotify) unmountInodes(cur *lockdep.Task, sb *inode.SuperBlock) {
	c := sb.Cache
	lockdep.AssertHeld(cur, &c.InodeLock)
	var iputInode *inode.Inode
	for ino := sb.FirstInodeLocked(cur); ino != nil; ino = ino.NextInSbLocked(cur) {
		// We cannot __iget() an inode in state I_FREEING, I_WILL_FREE
		// or I_NEW, and one with i_count zero cannot have marks.
		if ino.StateLocked(cur)&(inode.I_FREEING|inode.I_WILL_FREE|inode.I_NEW) != 0 ||
			ino.Count.Count() == 0 {
			continue
		}
		inode.Iget(ino)
		c.InodeLock.Unlock(cur)
		if iputInode != nil {
			inode.Iput(cur, iputInode)
		}
		fs.fsnotify(cur, &eventArgs{mask: FS_UNMOUNT | isdir(ino), ino: ino}) // fsnotify_inode
		fs.InodeDelete(cur, ino)                                              // fsnotify_inode_delete
		iputInode = ino
		c.InodeLock.Lock(cur)
	}
	if iputInode != nil {
		c.InodeLock.Unlock(cur)
		inode.Iput(cur, iputInode)
		c.InodeLock.Lock(cur)
	}
}

func isdir(ino *inode.Inode) uapi.Mask {
	if ino.IsDir() {
		return FS_ISDIR
	}
	return 0
}

// RunQueuedWork runs the reaper's queued work, as its kernel thread would
// (hooks.Kthread): the connectors, then the marks, each after an SRCU
// grace period. It runs at the end of every system call and almost always
// finds nothing queued.
func (fs *Fsnotify) RunQueuedWork(cur *lockdep.Task) {
	if !fs.connectorReaperWork.pending.Load() && !fs.reaperWork.pending.Load() {
		return
	}
	fs.connectorReaperWork.run(cur, fs.v)
	fs.reaperWork.run(cur, fs.v)
}
