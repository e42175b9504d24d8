package fsnotify

// fs/notify/group.c: struct fsnotify_group, its references and its
// destruction.

import (
	"github.com/inosim/inosim/hooks"
	"github.com/inosim/inosim/internal/kref"
	"github.com/inosim/inosim/internal/lockdep"
	"github.com/inosim/inosim/internal/sched"
)

// Lock classes of a group.
var (
	MarkMutexClass        = lockdep.NewClass("group->mark_mutex")
	NotificationLockClass = lockdep.NewClass("group->notification_lock")
)

// Group is struct fsnotify_group: one listener (an inotify instance), its
// marks and its queue of events. The backend's private data is its Ops
// (Go has no container_of).
type Group struct {
	fs *Fsnotify
	ID uint64
	// Refcnt is refcnt: the creator's reference (an inotify instance's
	// file) and one per mark, from fsnotify_init_mark to the mark's
	// freeing by the reaper.
	Refcnt kref.Ref
	ops    Ops

	// MarkMutex (mark_mutex) protects the following field.
	MarkMutex lockdep.Mutex
	marksList *Mark // marks_list, through g_list, newest first

	// NotificationLock (notification_lock) protects the following fields.
	NotificationLock lockdep.Mutex
	head, tail       *Event          // notification_list
	qLen             int             // q_len, the overflow event included
	maxEvents        int             // max_events
	overflowEvent    *Event          // preallocated; on the list at most once
	shutdown         bool            // set by fsnotify_group_stop_queueing
	wq               sched.WaitQueue // notification_waitq: readers sleep here
	stats            hooks.QueueStats
}

// AllocGroup returns a new group with one reference, the caller's
// (fsnotify_alloc_group); max_events is unbounded until the backend sets
// it.
func (fs *Fsnotify) AllocGroup(ops Ops) *Group {
	g := &Group{fs: fs, ID: fs.groupIDs.Add(1), ops: ops, maxEvents: 1<<31 - 1}
	g.Refcnt.Init(fs.refs, "fsnotify_group", g.ID, 1)
	g.MarkMutex.Init(MarkMutexClass, g.ID)
	g.NotificationLock.Init(NotificationLockClass, g.ID)
	g.wq.Init("notification_waitq", &g.NotificationLock)
	return g
}

// SetQueueLimits sets max_events and the preallocated overflow event, as a
// backend does right after fsnotify_alloc_group (inotify_new_group).
func (g *Group) SetQueueLimits(maxEvents int, overflow *Event) {
	g.maxEvents = maxEvents
	g.overflowEvent = overflow
}

// Get takes a reference on g (fsnotify_get_group).
func (g *Group) Get() { g.Refcnt.Get() }

// Put drops a reference on g (fsnotify_put_group); the last frees it
// (fsnotify_final_destroy_group: the backend's free_group_priv).
func (g *Group) Put(cur *lockdep.Task) {
	if g.Refcnt.Put() {
		g.ops.FreeGroupPriv(cur, g)
	}
}

// StopQueueing makes the queue refuse new events
// (fsnotify_group_stop_queueing).
func (g *Group) StopQueueing(cur *lockdep.Task) {
	g.NotificationLock.Lock(cur)
	g.shutdown = true
	g.NotificationLock.Unlock(cur)
}

// DestroyGroup tears g down (fsnotify_destroy_group): no more events, every
// mark destroyed, the reaper waited for (so no event can still be on its
// way in, and every mark's group reference is gone), the queue flushed,
// the overflow event freed, and the caller's reference dropped. Marks
// pinned while waiting for user space (fanotify permission events) are not
// modelled, so there is no user_waits to wait for.
func (fs *Fsnotify) DestroyGroup(cur *lockdep.Task, g *Group) {
	g.StopQueueing(cur)
	fs.ClearMarksByGroup(cur, g)
	fs.WaitMarksDestroyed(cur)
	g.FlushNotify(cur)
	if g.overflowEvent != nil {
		g.ops.FreeEvent(cur, g, g.overflowEvent)
	}
	g.Put(cur)
}

// marksListAddLocked puts m at the head of g's marks_list (list_add).
// Precondition: g.MarkMutex is held.
func (g *Group) marksListAddLocked(cur *lockdep.Task, m *Mark) {
	lockdep.AssertHeld(cur, &g.MarkMutex)
	m.gPrev, m.gNext = nil, g.marksList
	if g.marksList != nil {
		g.marksList.gPrev = m
	}
	g.marksList = m
}

// marksListDelLocked takes m off g's marks_list (list_del_init).
// Precondition: g.MarkMutex is held.
func (g *Group) marksListDelLocked(cur *lockdep.Task, m *Mark) {
	lockdep.AssertHeld(cur, &g.MarkMutex)
	if m.gPrev != nil {
		m.gPrev.gNext = m.gNext
	} else {
		g.marksList = m.gNext
	}
	if m.gNext != nil {
		m.gNext.gPrev = m.gPrev
	}
	m.gPrev, m.gNext = nil, nil
}

// MarksLocked returns g's attached marks, newest first, for invariant
// checks. Precondition: g.MarkMutex is held.
func (g *Group) MarksLocked(cur *lockdep.Task) []*Mark {
	lockdep.AssertHeld(cur, &g.MarkMutex)
	var out []*Mark
	for m := g.marksList; m != nil; m = m.gNext {
		out = append(out, m)
	}
	return out
}
