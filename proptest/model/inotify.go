package model

import (
	"github.com/inosim/inosim/uapi"
)

// Stats count what happened to every event offered to an instance's queue:
// each is queued, merged into the newest queued event, or dropped because
// the queue was full (Overflows counts the IN_Q_OVERFLOW events queued).
type Stats struct {
	Offered, Queued, Merged, Dropped, Overflows int
}

// instance is one inotify instance (an fsnotify group).
type instance struct {
	max     int          // max_queued_events, copied at inotify_init
	events  []uapi.Event // the queue, oldest first
	ovQueue bool         // the one overflow event is queued
	cursor  int64        // idr cursor: the next wd to try
	watches map[int32]*watch
	stats   Stats
	merge   func(tail, ev uapi.Event) bool
}

// watch is one inotify watch (a mark): on one file for one instance.
type watch struct {
	inst   *instance
	wd     int32
	f      *File
	mask   uapi.Mask // event bits; IN_UNMOUNT is always wanted
	once   bool      // IN_ONESHOT
	exclUn bool      // IN_EXCL_UNLINK
}

const intMax = 1<<31 - 1

// allocWd is idr_alloc_cyclic(idr, 1, 0): the lowest free wd at or above
// the cursor, else (after INT_MAX) the lowest free wd from 1; the cursor
// then moves past it. So wds count up from 1 and are not reused (#32, #47).
func (in *instance) allocWd() int32 {
	start := in.cursor
	if start < 1 {
		start = 1
	}
	for _, from := range []int64{start, 1} {
		for wd := from; wd <= intMax; wd++ {
			if in.watches[int32(wd)] == nil {
				in.cursor = wd + 1
				return int32(wd)
			}
		}
	}
	return -1
}

// insert offers ev to the queue (fsnotify_insert_event with inotify_merge):
// a full queue (the overflow event counts) gives the single IN_Q_OVERFLOW,
// queued at most once, and the check comes before merging (#35, #36);
// otherwise an event equal to the newest queued one is merged (#3).
func (in *instance) insert(ev uapi.Event) {
	in.stats.Offered++
	if len(in.events) >= in.max {
		if !in.ovQueue {
			in.ovQueue = true
			in.events = append(in.events, uapi.Event{Wd: -1, Mask: uapi.IN_Q_OVERFLOW})
			in.stats.Overflows++
		}
		in.stats.Dropped++
		return
	}
	if n := len(in.events); n > 0 && in.merge(in.events[n-1], ev) {
		in.stats.Merged++
		return
	}
	in.events = append(in.events, ev)
	in.stats.Queued++
}

// sameEvent is event_compare: mask, wd and name, never the cookie (#4),
// and never into a queued IN_IGNORED.
func sameEvent(tail, ev uapi.Event) bool {
	return tail.Mask&uapi.IN_IGNORED == 0 && tail.Mask == ev.Mask && tail.Wd == ev.Wd && tail.Name == ev.Name
}

// destroy removes w: IN_IGNORED goes through the normal insert (so it is
// lost when the queue is full, #36), the wd leaves the idr and the watch
// leaves its file. Used by rm_watch, ONESHOT, file death and umount.
func (m *Model) destroy(w *watch) {
	w.inst.insert(uapi.Event{Wd: w.wd, Mask: uapi.IN_IGNORED})
	m.forget(w)
}

// forget detaches w without an event (the instance is being closed).
func (m *Model) forget(w *watch) {
	delete(w.inst.watches, w.wd)
	for i, x := range w.f.watches {
		if x == w {
			w.f.watches = append(w.f.watches[:i:i], w.f.watches[i+1:]...)
			break
		}
	}
}

// deliver queues ev on each watch of f that wants it
// (inotify_handle_inode_event): IN_ISDIR is stripped from IN_MOVE_SELF
// and IN_DELETE_SELF; a ONESHOT watch is destroyed right after (#25).
// pathEv and unlinked implement IN_EXCL_UNLINK: only events that carry a
// path (open, read, write, close) are filtered, and only once the name
// used is unlinked (#16, #17).
func (m *Model) deliver(f *File, mask uapi.Mask, name string, cookie uint32, pathEv, unlinked bool) {
	for _, w := range append([]*watch(nil), f.watches...) {
		if w.exclUn && pathEv && unlinked {
			continue
		}
		if w.mask&mask&(uapi.IN_ALL_EVENTS|uapi.IN_UNMOUNT) == 0 {
			continue
		}
		ev := mask
		if ev&(uapi.IN_MOVE_SELF|uapi.IN_DELETE_SELF) != 0 {
			ev &^= uapi.IN_ISDIR
		}
		w.inst.insert(uapi.Event{Wd: w.wd, Mask: ev, Cookie: cookie, Name: name})
		if w.once {
			m.destroy(w)
		}
	}
}

// notify sends event mask about f, reached through the name name in dir
// (dir nil when f is a file system root or is not reached by a name): the
// parent's watches get it with the name first, then f's own watches
// without one (fsnotify_parent then fsnotify_inode, #2, #21). Directories
// add IN_ISDIR.
func (m *Model) notify(f *File, mask uapi.Mask, dir *File, name string, pathEv, unlinked bool) {
	if f.isDir() {
		mask |= uapi.IN_ISDIR
	}
	if dir != nil {
		m.deliver(dir, mask, name, 0, pathEv, unlinked)
	}
	m.deliver(f, mask, "", 0, pathEv, unlinked)
}

// parentOf is the name a directory hangs by, for events about it.
func parentOf(d *File) (*File, string) {
	if d.parent == nil {
		return nil, ""
	}
	return d.parent, d.name
}

// nameEvent sends a directory-entry event (CREATE, DELETE, MOVED_*) to the
// watches of dir only.
func (m *Model) nameEvent(dir *File, mask uapi.Mask, name string, isDir bool, cookie uint32) {
	if isDir {
		mask |= uapi.IN_ISDIR
	}
	m.deliver(dir, mask, name, cookie, false, false)
}

// selfEvent sends an event to f's own watches only (link count ATTRIB,
// MOVE_SELF, DELETE_SELF, UNMOUNT).
func (m *Model) selfEvent(f *File, mask uapi.Mask) {
	if f.isDir() {
		mask |= uapi.IN_ISDIR
	}
	m.deliver(f, mask, "", 0, false, false)
}

// maybeDie frees f once it has neither a name nor a pin: DELETE_SELF then
// IN_IGNORED for each watch (fsnotify_inoderemove at the last dput, #13,
// #15). A file system's objects die with it at umount instead.
func (m *Model) maybeDie(f *File) {
	if f.dead || f.nlink > 0 || f.pins > 0 {
		return
	}
	f.dead = true
	m.selfEvent(f, uapi.IN_DELETE_SELF)
	for len(f.watches) > 0 {
		m.destroy(f.watches[0])
	}
}
