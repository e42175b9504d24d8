package fsnotify

// fs/notify/notification.c: a group's queue of events.

import (
	"github.com/inosim/inosim/hooks"
	"github.com/inosim/inosim/internal/lockdep"
	"github.com/inosim/inosim/internal/personality"
	"github.com/inosim/inosim/internal/sched"
)

// Event is struct fsnotify_event: the list node a backend's event embeds,
// as its first field (inotify's inotify_event_info), and finds its own
// event from with container_of (see Mark).
type Event struct {
	next   *Event
	queued bool // on a notification list (!list_empty(&event->list))
}

// Next returns the event queued after e, nil for the newest; the caller
// holds the group's notification_lock.
func (e *Event) Next() *Event { return e.next }

// What InsertEvent did with an event (fsnotify_insert_event's return).
const (
	EventQueued  = 0
	EventMerged  = 1
	EventDropped = 2 // the queue was full (the overflow event queued instead) or shutting down
)

// InsertEvent offers e to g's queue (fsnotify_insert_event, for a backend
// with no insert hook): refused once the group is shutting down; if the
// queue is full, the overflow event is queued instead, at most once,
// before any merging is tried; else, if the list is not empty, merge (if
// not nil) is asked whether e folds into a queued event (the backend's
// merge op picks which). It returns EventQueued, EventMerged or
// EventDropped; the caller frees an event not queued.
// No defer on the event path: each return unlocks.
func (g *Group) InsertEvent(cur *lockdep.Task, e *Event, merge func(cur *lockdep.Task, g *Group, e *Event) bool) int {
	g.NotificationLock.Lock(cur)
	g.stats.Offered++
	if g.shutdown || e == g.overflowEvent || g.qLen >= g.maxEvents {
		g.dropLocked(cur, e)
		g.NotificationLock.Unlock(cur)
		return EventDropped
	}
	if g.tail != nil && merge != nil && merge(cur, g, e) {
		g.stats.Merged++
		g.NotificationLock.Unlock(cur)
		return EventMerged
	}
	g.stats.Queued++
	g.queueLocked(cur, e)
	g.NotificationLock.Unlock(cur)
	return EventQueued
}

// dropLocked is InsertEvent refusing e: the group is shutting down, or
// the queue is full, when the overflow event goes in instead (at most
// once: only if it isn't queued already).
// Precondition: notification_lock is held.
func (g *Group) dropLocked(cur *lockdep.Task, e *Event) {
	lockdep.AssertHeld(cur, &g.NotificationLock)
	g.stats.Dropped++
	if g.shutdown || g.overflowEvent.queued {
		return
	}
	g.stats.Overflows++
	g.queueLocked(cur, g.overflowEvent)
}

// LastEventLocked is the newest queued event, nil if none
// (list_last_entry of notification_list). Precondition: notification_lock
// is held.
func (g *Group) LastEventLocked(cur *lockdep.Task) *Event {
	lockdep.AssertHeld(cur, &g.NotificationLock)
	return g.tail
}

// FirstEventLocked is the oldest queued event, nil if none
// (list_first_entry). Precondition: notification_lock is held.
func (g *Group) FirstEventLocked(cur *lockdep.Task) *Event {
	lockdep.AssertHeld(cur, &g.NotificationLock)
	return g.head
}

// queueLocked appends e and wakes the readers (list_add_tail, then
// wake_up(&group->notification_waitq) once the lock is dropped).
func (g *Group) queueLocked(cur *lockdep.Task, e *Event) {
	e.next, e.queued = nil, true
	if g.tail == nil {
		g.head = e
	} else {
		g.tail.next = e
	}
	g.tail = e
	g.qLen++
	g.wq.WakeUp(cur)
}

// NotifyQueueIsEmptyLocked is fsnotify_notify_queue_is_empty.
// Precondition: g.NotificationLock is held.
func (g *Group) NotifyQueueIsEmptyLocked(cur *lockdep.Task) bool {
	lockdep.AssertHeld(cur, &g.NotificationLock)
	return g.head == nil
}

// PeekFirstEventLocked returns the oldest event without removing it, nil
// if none (fsnotify_peek_first_event).
// Precondition: g.NotificationLock is held.
func (g *Group) PeekFirstEventLocked(cur *lockdep.Task) *Event {
	lockdep.AssertHeld(cur, &g.NotificationLock)
	return g.head
}

// RemoveFirstEventLocked takes the oldest event off the queue; the caller
// frees it (fsnotify_remove_first_event). The overflow event's list node
// is re-initialised, so that it can be queued again.
// Precondition: g.NotificationLock is held.
func (g *Group) RemoveFirstEventLocked(cur *lockdep.Task) *Event {
	lockdep.AssertHeld(cur, &g.NotificationLock)
	e := g.head
	g.head = e.next
	if g.head == nil {
		g.tail = nil
	}
	e.next = nil
	// list_del_init, so that the overflow event's "already queued" test
	// sees it gone; 3.14-rc's list_del left it looking queued forever.
	if e != g.overflowEvent || !g.fs.p.Has(personality.BugOverflowOnce) {
		e.queued = false
	}
	g.qLen--
	return e
}

// EventsLocked calls fn for each queued event, oldest first (FIONREAD's
// walk). Precondition: g.NotificationLock is held.
func (g *Group) EventsLocked(cur *lockdep.Task, fn func(e *Event)) {
	lockdep.AssertHeld(cur, &g.NotificationLock)
	for e := g.head; e != nil; e = e.next {
		fn(e)
	}
}

// QLenLocked is q_len, the overflow event included.
// Precondition: g.NotificationLock is held.
func (g *Group) QLenLocked(cur *lockdep.Task) int {
	lockdep.AssertHeld(cur, &g.NotificationLock)
	return g.qLen
}

// MaxEvents is max_events, set once at creation.
func (g *Group) MaxEvents() int { return g.maxEvents }

// StatsLocked returns what the queue did with the events offered so far,
// for invariant checks. Precondition: g.NotificationLock is held.
func (g *Group) StatsLocked(cur *lockdep.Task) hooks.QueueStats {
	lockdep.AssertHeld(cur, &g.NotificationLock)
	return g.stats
}

// PrepareWaitLocked registers the caller as a reader waiting for an event
// (add_wait_queue on notification_waitq); the caller sleeps on the waiter
// and calls FinishWait after waking. With chan, the waiter is told by a
// channel even under the deterministic scheduler (poll_wait, for poll and
// epoll). Precondition: g.NotificationLock is held.
func (g *Group) PrepareWaitLocked(cur *lockdep.Task, asChan bool) sched.Waiter {
	lockdep.AssertHeld(cur, &g.NotificationLock)
	if asChan {
		return g.wq.PrepareChan(cur)
	}
	return g.wq.Prepare(cur)
}

// FinishWait unregisters a reader registered by PrepareWaitLocked
// (remove_wait_queue).
func (g *Group) FinishWait(cur *lockdep.Task, w sched.Waiter) {
	g.NotificationLock.Lock(cur)
	g.wq.Finish(cur, w)
	g.NotificationLock.Unlock(cur)
}

// DestroyEvent frees an event (fsnotify_destroy_event): the group's
// free_event, but never for the overflow event, which lives as long as the
// group.
func (g *Group) DestroyEvent(cur *lockdep.Task, e *Event) {
	if e == nil || e == g.overflowEvent {
		return
	}
	g.ops.FreeEvent(cur, g, e)
}

// FlushNotify frees every queued event (fsnotify_flush_notify), dropping
// the lock around each free.
func (g *Group) FlushNotify(cur *lockdep.Task) {
	g.NotificationLock.Lock(cur)
	for g.head != nil {
		e := g.RemoveFirstEventLocked(cur)
		g.NotificationLock.Unlock(cur)
		g.DestroyEvent(cur, e)
		g.NotificationLock.Lock(cur)
	}
	g.NotificationLock.Unlock(cur)
}
