package fsnotify

// include/linux/fsnotify_backend.h: the event bits as fsnotify knows them,
// the mark flags, and struct fsnotify_ops.

import (
	"github.com/inosim/inosim/inode"
	"github.com/inosim/inosim/internal/lockdep"
	"github.com/inosim/inosim/uapi"
)

// The fsnotify event bits inotify uses. They share inotify's values
// (include/linux/fsnotify_backend.h: "the bit layout is shared with
// inotify").
const (
	FS_ACCESS        = uapi.IN_ACCESS
	FS_MODIFY        = uapi.IN_MODIFY
	FS_ATTRIB        = uapi.IN_ATTRIB
	FS_CLOSE_WRITE   = uapi.IN_CLOSE_WRITE
	FS_CLOSE_NOWRITE = uapi.IN_CLOSE_NOWRITE
	FS_OPEN          = uapi.IN_OPEN
	FS_MOVED_FROM    = uapi.IN_MOVED_FROM
	FS_MOVED_TO      = uapi.IN_MOVED_TO
	FS_CREATE        = uapi.IN_CREATE
	FS_DELETE        = uapi.IN_DELETE
	FS_DELETE_SELF   = uapi.IN_DELETE_SELF
	FS_MOVE_SELF     = uapi.IN_MOVE_SELF
	FS_UNMOUNT       = uapi.IN_UNMOUNT
	FS_Q_OVERFLOW    = uapi.IN_Q_OVERFLOW
	FS_IN_IGNORED    = uapi.IN_IGNORED
	FS_ISDIR         = uapi.IN_ISDIR

	// FS_EVENT_ON_CHILD marks an event a directory's mark gets about one
	// of its children; in a mark's mask, that the mark wants such events.
	FS_EVENT_ON_CHILD uapi.Mask = 0x08000000

	// ALL_FSNOTIFY_DIRENT_EVENTS are the events about a directory entry,
	// which keep their name when reported to the directory itself.
	ALL_FSNOTIFY_DIRENT_EVENTS = FS_CREATE | FS_DELETE | FS_MOVED_FROM | FS_MOVED_TO
	// FS_EVENTS_POSS_ON_CHILD are the events a child reports to a parent
	// that watches its children.
	FS_EVENTS_POSS_ON_CHILD = FS_ACCESS | FS_MODIFY | FS_ATTRIB | FS_CLOSE_WRITE |
		FS_CLOSE_NOWRITE | FS_OPEN
	// ALL_FSNOTIFY_EVENTS are the events a mark can ask for (those of
	// inotify; fanotify's permission and error events are not modelled).
	ALL_FSNOTIFY_EVENTS = ALL_FSNOTIFY_DIRENT_EVENTS | FS_EVENTS_POSS_ON_CHILD |
		FS_DELETE_SELF | FS_MOVE_SELF | FS_UNMOUNT | FS_Q_OVERFLOW | FS_IN_IGNORED
)

// Mark flags (fsnotify_mark.flags).
const (
	// FSNOTIFY_MARK_FLAG_ALIVE: the mark has not been freed yet
	// (fsnotify_free_mark clears it, once).
	FSNOTIFY_MARK_FLAG_ALIVE = 1 << iota
	// FSNOTIFY_MARK_FLAG_ATTACHED: the mark is on its group's list and
	// counts in its object's mask (fsnotify_detach_mark clears it, once).
	FSNOTIFY_MARK_FLAG_ATTACHED
	// FSNOTIFY_MARK_FLAG_EXCL_UNLINK: inotify's IN_EXCL_UNLINK.
	FSNOTIFY_MARK_FLAG_EXCL_UNLINK
	// FSNOTIFY_MARK_FLAG_IN_ONESHOT: inotify's IN_ONESHOT.
	FSNOTIFY_MARK_FLAG_IN_ONESHOT
)

// Ops are a group's callbacks (struct fsnotify_ops): what a backend such
// as inotify does with events and with its marks' deaths.
type Ops interface {
	// HandleInodeEvent is handle_inode_event: mask for mark, about ino
	// and, for a named event, the directory dir and the name. Called
	// inside an fsnotify_mark_srcu read-side section, with no lock held.
	HandleInodeEvent(cur *lockdep.Task, mark *Mark, mask uapi.Mask, ino, dir *inode.Inode, name string, cookie uint32)
	// FreeGroupPriv is free_group_priv: the group's last reference went.
	FreeGroupPriv(cur *lockdep.Task, g *Group)
	// FreeEvent is free_event: an event left the queue (or never got on).
	FreeEvent(cur *lockdep.Task, g *Group, e *Event)
	// FreeingMark is freeing_mark: the mark is being freed (inotify sends
	// IN_IGNORED and frees the wd here).
	FreeingMark(cur *lockdep.Task, m *Mark, g *Group)
	// FreeMark is free_mark: the mark's memory goes, after the grace
	// period that followed its last reference.
	FreeMark(cur *lockdep.Task, m *Mark)
}
