package inotifyfs

// fs/notify/inotify/inotify.h and inotify_fsnotify.c: inotify's event and
// mark, and the ops fsnotify calls.

import (
	"sync/atomic"
	"unsafe"

	"github.com/inosim/inosim/fsnotify"
	"github.com/inosim/inosim/inode"
	"github.com/inosim/inosim/internal/lockdep"
	"github.com/inosim/inosim/internal/personality"
	"github.com/inosim/inosim/uapi"
)

// eventInfo is struct inotify_event_info: an fsnotify event with what
// read(2) returns of it.
type eventInfo struct {
	fse    fsnotify.Event // first: inotifyE is container_of
	mask   uapi.Mask      // the fsnotify mask (FS_EVENT_ON_CHILD kept; stripped at copy)
	wd     int32
	cookie uint32
	name   string
	// inode is the event's object as 2.6.31's event kept it (nil for an
	// unlink's negative dentry), compared instead of the name under
	// personality.BugMergeInode; nil otherwise.
	inode *inode.Inode
}

// inotifyE is INOTIFY_E, container_of(fsn_event, struct
// inotify_event_info, fse): the inotify event around an fsnotify one.
// Every event of an inotify group is an eventInfo (allocEvent, and the
// overflow event of newGroup).
func inotifyE(e *fsnotify.Event) *eventInfo { return (*eventInfo)(unsafe.Pointer(e)) }

// size is the event's size on the read ABI: the header and the name
// rounded up (round_event_name_len).
func (e *eventInfo) size() int { return uapi.EventHeaderSize + uapi.PaddedNameLen(len(e.name)) }

// inodeMark is struct inotify_inode_mark: an fsnotify mark with its wd.
type inodeMark struct {
	fsn fsnotify.Mark // first: iMark is container_of
	// wd is set under idr_lock and read without it (READ_ONCE): -1 once
	// the mark has left the idr.
	wd atomic.Int32
}

// iMark is container_of(fsn_mark, struct inotify_inode_mark, fsn_mark).
// Every mark of an inotify group is an inodeMark (newWatch).
func iMark(m *fsnotify.Mark) *inodeMark { return (*inodeMark)(unsafe.Pointer(m)) }

// container_of above needs each embedded struct first: an array of
// negative length does not compile otherwise.
var (
	_ [-unsafe.Offsetof(eventInfo{}.fse)]struct{}
	_ [-unsafe.Offsetof(inodeMark{}.fsn)]struct{}
)

// eventCompare is event_compare: an IN_IGNORED event is never merged into;
// otherwise the same mask, wd and name (with BugMergeInode, the same
// inode instead of the same name, as 2.6.31 compared them).
func (g *group) eventCompare(old, new *eventInfo) bool {
	if old.mask != new.mask || old.wd != new.wd || old.mask&fsnotify.FS_IN_IGNORED != 0 {
		return false
	}
	if g.in.p.Has(personality.BugMergeInode) {
		return old.inode == new.inode
	}
	return old.name == new.name
}

// merge is inotify_merge: a new event folds into the newest queued one if
// they are the same; with BugHeadMerge, into the oldest.
// Precondition: notification_lock is held.
func (g *group) merge(cur *lockdep.Task, fsg *fsnotify.Group, e *fsnotify.Event) bool {
	lockdep.AssertHeld(cur, &fsg.NotificationLock)
	last := fsg.LastEventLocked(cur)
	if g.in.p.Has(personality.BugHeadMerge) {
		last = fsg.FirstEventLocked(cur)
	}
	return g.eventCompare(inotifyE(last), inotifyE(e))
}

// HandleInodeEvent is inotify_handle_inode_event, the group's
// handle_inode_event: an event for mark's wd is queued (or merged, or lost
// to a full queue), unless the mark is already leaving the idr; then an
// IN_ONESHOT mark is destroyed (fsnotify_destroy_mark, which sends
// IN_IGNORED). IN_ISDIR is stripped from IN_MOVE_SELF and IN_DELETE_SELF,
// as inotify always did. Called inside an fsnotify_mark_srcu section.
func (g *group) HandleInodeEvent(cur *lockdep.Task, m *fsnotify.Mark, mask uapi.Mask, ino, dir *inode.Inode, name string, cookie uint32) {
	p := g.in.p
	im := iMark(m)
	wd := im.wd.Load()
	if wd == -1 && !p.Has(personality.BugInvalidWd) { // racing with the mark being detached
		return
	}
	if mask&(fsnotify.FS_MOVE_SELF|fsnotify.FS_DELETE_SELF) != 0 {
		mask &^= fsnotify.FS_ISDIR
	}
	e := allocEvent(cur)
	stale := e.cookie
	e.mask, e.wd, e.cookie, e.name, e.inode = mask, wd, cookie, name, nil
	if p.Has(personality.BugInvalidWd) {
		// 2.6.31–6.3 read the wd after the allocation (which may sleep:
		// a switch point, here only, to keep the other searches small),
		// where inotify_remove_from_idr may have made it -1.
		lockdep.MightSleep(cur)
		e.wd = im.wd.Load()
	}
	if p.Has(personality.BugCookieUninit) {
		e.cookie = stale // 3.14-rc: never set, the slab's leftover
	}
	if p.Has(personality.BugMergeInode) && mask&fsnotify.FS_DELETE == 0 {
		e.inode = ino // d_delete made an unlink's dentry negative first
	}
	if g.fsg.InsertEvent(cur, &e.fse, g.mergeFn) != fsnotify.EventQueued {
		g.fsg.DestroyEvent(cur, &e.fse) // our event wasn't used in the end
	}
	if m.Flags()&fsnotify.FSNOTIFY_MARK_FLAG_IN_ONESHOT != 0 {
		g.in.fs.DestroyMark(cur, m, g.fsg)
	}
}

// FreeingMark is inotify_freeing_mark: inotify_ignored_and_remove_idr.
func (g *group) FreeingMark(cur *lockdep.Task, m *fsnotify.Mark, fsg *fsnotify.Group) {
	g.ignoredAndRemoveIdr(cur, m)
}

// ignoredAndRemoveIdr queues IN_IGNORED for the mark's wd, takes the mark
// out of the idr and uncounts the user's watch
// (inotify_ignored_and_remove_idr).
func (g *group) ignoredAndRemoveIdr(cur *lockdep.Task, m *fsnotify.Mark) {
	g.HandleInodeEvent(cur, m, fsnotify.FS_IN_IGNORED, nil, nil, "", 0)
	g.removeFromIdr(cur, iMark(m))
	g.in.ucounts.dec(cur, g.ucounts, UCOUNT_INOTIFY_WATCHES) // dec_inotify_watches
}

// FreeEvent is inotify_free_event: kfree of the event, which goes back
// to cur's cache.
func (g *group) FreeEvent(cur *lockdep.Task, fsg *fsnotify.Group, e *fsnotify.Event) {
	ev := inotifyE(e)
	ev.name, ev.inode = "", nil // pin no dentry's name, no inode
	if s := slabOf(cur); s != nil && len(s.free) < maxSlabEvents {
		s.free = append(s.free, ev)
	}
}

// eventSlab is a task's cache of freed events (the per-CPU freelist of
// the kmalloc cache inotify_event_info comes from): an event is made for
// every notification, so they are recycled rather than left to the
// garbage collector, without any lock (lockdep.Task.Slab).
type eventSlab struct{ free []*eventInfo }

// maxSlabEvents bounds the events a task keeps for reuse: a full queue's
// worth at the default max_queued_events, so that draining many full
// queues (64 instances on one directory, say) leaves little to the
// collector. The kernel's kmalloc caches keep every freed object until
// memory is short; the cache grows only as far as it is used.
const maxSlabEvents = DefaultMaxQueuedEvents

func slabOf(cur *lockdep.Task) *eventSlab {
	if cur != nil {
		if s, ok := cur.Slab.(*eventSlab); ok {
			return s
		}
	}
	return newSlab(cur)
}

// newSlab gives cur its cache (kept out of slabOf, which the event path
// inlines).
//
//go:noinline
func newSlab(cur *lockdep.Task) *eventSlab {
	if cur == nil {
		return nil
	}
	s := &eventSlab{}
	cur.Slab = s
	return s
}

// allocEvent returns an event to fill in (kmalloc of an
// inotify_event_info), from cur's cache when it can; the caller sets every
// field.
func allocEvent(cur *lockdep.Task) *eventInfo {
	if s := slabOf(cur); s != nil && len(s.free) > 0 {
		e := s.free[len(s.free)-1]
		s.free[len(s.free)-1] = nil
		s.free = s.free[:len(s.free)-1]
		return e
	}
	return &eventInfo{}
}

// FreeMark is inotify_free_mark: the mark's memory goes back to its cache
// ("ding dong the mark is dead"); fsnotify has already recorded the free.
func (g *group) FreeMark(cur *lockdep.Task, m *fsnotify.Mark) {}

// FreeGroupPriv is inotify_free_group_priv: the idr (empty by now) goes,
// and the user's instance count with it (dec_inotify_instances), at the
// group's last reference, after every mark's.
func (g *group) FreeGroupPriv(cur *lockdep.Task, fsg *fsnotify.Group) {
	if g.ucounts != nil && g.in.p.Has(personality.BugUidLeak) {
		// 2.6.31–2.6.33: the count went down, the user reference
		// (free_uid) was never dropped.
		g.ucounts.ucount[UCOUNT_INOTIFY_INSTANCES].Add(-1)
		return
	}
	if g.ucounts != nil {
		g.in.ucounts.dec(cur, g.ucounts, UCOUNT_INOTIFY_INSTANCES)
	}
}
