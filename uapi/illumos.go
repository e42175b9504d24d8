package uapi

import "encoding/binary"

// illumos's <sys/inotify.h> where it differs from Linux's (seed 004:
// illumos usr/src/uts/common/io/inotify.c, and the header beside it). The
// IN_* bits, IN_NONBLOCK, IN_CLOEXEC and struct inotify_event are Linux's
// ("values for constants here should therefore exactly match those found
// in Linux"); what is illumos's own is below.

// IN_CHILD_EVENTS are the events a watch on a directory also takes from
// the directory's entries, through the child watches the driver puts on
// them. MOVED_FROM, MOVED_TO, CREATE and DELETE are not among them: the
// directory's own monitor sees those operations.
const IN_CHILD_EVENTS = IN_ACCESS | IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE |
	IN_CLOSE_NOWRITE | IN_OPEN

// The ioctls of an illumos inotify instance (INOTIFYIOC, "specific to the
// native implementation"): libc's inotify_add_watch is built from the
// first, third and fourth, and inotify_rm_watch is the second.
const (
	INOTIFYIOC           = 'i'<<24 | 'n'<<16 | 'y'<<8
	INOTIFYIOC_ADD_WATCH = INOTIFYIOC | 1 // inotify_addwatch_t *: add or update a watch on an open file
	INOTIFYIOC_RM_WATCH  = INOTIFYIOC | 2 // the wd itself
	INOTIFYIOC_ADD_CHILD = INOTIFYIOC | 3 // inotify_addchild_t *: a child watch on an entry of a watched directory
	INOTIFYIOC_ACTIVATE  = INOTIFYIOC | 4 // the wd itself: the watch starts to queue events
)

// InotifyAddwatch is inotify_addwatch_t, the argument of
// INOTIFYIOC_ADD_WATCH.
type InotifyAddwatch struct {
	Fd   int32  // inaw_fd: an open fd of the file or directory to watch
	Mask uint32 // inaw_mask
}

// InotifyAddchild is inotify_addchild_t, the argument of
// INOTIFYIOC_ADD_CHILD.
type InotifyAddchild struct {
	Name string // inac_name: an entry of the directory
	Fd   int32  // inac_fd: an open fd of the watched directory
}

// IllumosNameAlign is what seed 004's inotify_watch_event pads an event's
// name to: sizeof (uintptr_t), 8 on the LP64 kernel ("int align = sizeof
// (uintptr_t) - 1"). Linux and later illumos pad to sizeof (struct
// inotify_event), 16.
const IllumosNameAlign = 8

// IllumosPaddedNameLen is the len field seed 004 reports for a name of n
// bytes: n plus its NUL, rounded up to IllumosNameAlign; 0 for no name.
func IllumosPaddedNameLen(n int) int {
	if n == 0 {
		return 0
	}
	return (n + 1 + IllumosNameAlign - 1) / IllumosNameAlign * IllumosNameAlign
}

// AppendEncodeIllumos appends the event's bytes as seed 004's inotify_read
// copies them out: the header, then the name NUL-padded to
// IllumosPaddedNameLen. Decode reads them back like any others.
func (e Event) AppendEncodeIllumos(b []byte) []byte {
	plen := IllumosPaddedNameLen(len(e.Name))
	b = binary.LittleEndian.AppendUint32(b, uint32(e.Wd))
	b = binary.LittleEndian.AppendUint32(b, uint32(e.Mask))
	b = binary.LittleEndian.AppendUint32(b, e.Cookie)
	b = binary.LittleEndian.AppendUint32(b, uint32(plen))
	b = append(b, e.Name...)
	return append(b, zeros[:plen-len(e.Name)]...)
}
