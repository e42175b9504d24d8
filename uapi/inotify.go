package uapi

import (
	"fmt"
	"strconv"
	"strings"
)

// Mask is an inotify event mask (the u32 of struct inotify_event and of
// inotify_add_watch).
type Mask uint32

// Event bits, as in include/uapi/linux/inotify.h.
const (
	IN_ACCESS        Mask = 0x00000001
	IN_MODIFY        Mask = 0x00000002
	IN_ATTRIB        Mask = 0x00000004
	IN_CLOSE_WRITE   Mask = 0x00000008
	IN_CLOSE_NOWRITE Mask = 0x00000010
	IN_OPEN          Mask = 0x00000020
	IN_MOVED_FROM    Mask = 0x00000040
	IN_MOVED_TO      Mask = 0x00000080
	IN_CREATE        Mask = 0x00000100
	IN_DELETE        Mask = 0x00000200
	IN_DELETE_SELF   Mask = 0x00000400
	IN_MOVE_SELF     Mask = 0x00000800

	// Sent by the kernel whatever the watch asked for.
	IN_UNMOUNT    Mask = 0x00002000
	IN_Q_OVERFLOW Mask = 0x00004000
	IN_IGNORED    Mask = 0x00008000

	// Flags of inotify_add_watch.
	IN_ONLYDIR     Mask = 0x01000000
	IN_DONT_FOLLOW Mask = 0x02000000
	IN_EXCL_UNLINK Mask = 0x04000000
	IN_MASK_CREATE Mask = 0x10000000
	IN_MASK_ADD    Mask = 0x20000000
	IN_ISDIR       Mask = 0x40000000
	IN_ONESHOT     Mask = 0x80000000

	IN_CLOSE      = IN_CLOSE_WRITE | IN_CLOSE_NOWRITE
	IN_MOVE       = IN_MOVED_FROM | IN_MOVED_TO
	IN_ALL_EVENTS = IN_ACCESS | IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE |
		IN_CLOSE_NOWRITE | IN_OPEN | IN_MOVED_FROM | IN_MOVED_TO |
		IN_CREATE | IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF

	// ALL_INOTIFY_BITS is every bit today's inotify_add_watch accepts
	// (fs/notify/inotify/inotify_user.c); any other bit is EINVAL.
	ALL_INOTIFY_BITS = IN_ALL_EVENTS | IN_UNMOUNT | IN_Q_OVERFLOW |
		IN_IGNORED | IN_ONLYDIR | IN_DONT_FOLLOW | IN_EXCL_UNLINK |
		IN_MASK_CREATE | IN_MASK_ADD | IN_ISDIR | IN_ONESHOT
)

// Flags of inotify_init1: the open flags of the instance's file.
const (
	IN_CLOEXEC  = O_CLOEXEC
	IN_NONBLOCK = O_NONBLOCK
)

// INOTIFY_IOC_SETNEXTWD is _IOW('I', 0, __s32): the ioctl that sets the
// next wd an instance tries (4.14+, for checkpoint/restore).
const INOTIFY_IOC_SETNEXTWD = 0x40044900

// bitNames is the one table of single-bit names, in ascending bit order.
var bitNames = []struct {
	bit  Mask
	name string
}{
	{IN_ACCESS, "IN_ACCESS"},
	{IN_MODIFY, "IN_MODIFY"},
	{IN_ATTRIB, "IN_ATTRIB"},
	{IN_CLOSE_WRITE, "IN_CLOSE_WRITE"},
	{IN_CLOSE_NOWRITE, "IN_CLOSE_NOWRITE"},
	{IN_OPEN, "IN_OPEN"},
	{IN_MOVED_FROM, "IN_MOVED_FROM"},
	{IN_MOVED_TO, "IN_MOVED_TO"},
	{IN_CREATE, "IN_CREATE"},
	{IN_DELETE, "IN_DELETE"},
	{IN_DELETE_SELF, "IN_DELETE_SELF"},
	{IN_MOVE_SELF, "IN_MOVE_SELF"},
	{IN_UNMOUNT, "IN_UNMOUNT"},
	{IN_Q_OVERFLOW, "IN_Q_OVERFLOW"},
	{IN_IGNORED, "IN_IGNORED"},
	{IN_ONLYDIR, "IN_ONLYDIR"},
	{IN_DONT_FOLLOW, "IN_DONT_FOLLOW"},
	{IN_EXCL_UNLINK, "IN_EXCL_UNLINK"},
	{IN_MASK_CREATE, "IN_MASK_CREATE"},
	{IN_MASK_ADD, "IN_MASK_ADD"},
	{IN_ISDIR, "IN_ISDIR"},
	{IN_ONESHOT, "IN_ONESHOT"},
}

// compositeNames are accepted by ParseMask but never printed.
var compositeNames = map[string]Mask{
	"IN_CLOSE":      IN_CLOSE,
	"IN_MOVE":       IN_MOVE,
	"IN_ALL_EVENTS": IN_ALL_EVENTS,
}

// String lists the set bits in ascending bit order joined by '|', each by its
// IN_ name or, for a bit without one, as a hex term ("0x10000000"). The zero
// mask prints as "0".
func (m Mask) String() string {
	if m == 0 {
		return "0"
	}
	var b strings.Builder
	for bit := Mask(1); bit != 0; bit <<= 1 {
		if m&bit == 0 {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('|')
		}
		b.WriteString(BitName(bit))
	}
	return b.String()
}

// BitName names one bit: its IN_ name, or its hex value.
func BitName(bit Mask) string {
	for _, n := range bitNames {
		if n.bit == bit {
			return n.name
		}
	}
	return fmt.Sprintf("%#x", uint32(bit))
}

// ParseMask reads a mask written as IN_ names (single bits or IN_CLOSE,
// IN_MOVE, IN_ALL_EVENTS) or numbers (decimal or 0x hex) joined by '|'.
func ParseMask(s string) (Mask, error) {
	if s == "" {
		return 0, fmt.Errorf("empty mask")
	}
	var m Mask
	for _, term := range strings.Split(s, "|") {
		v, err := parseTerm(term)
		if err != nil {
			return 0, err
		}
		m |= v
	}
	return m, nil
}

func parseTerm(term string) (Mask, error) {
	if term == "" {
		return 0, fmt.Errorf("empty term in mask")
	}
	if v, ok := compositeNames[term]; ok {
		return v, nil
	}
	for _, n := range bitNames {
		if n.name == term {
			return n.bit, nil
		}
	}
	if term[0] >= '0' && term[0] <= '9' {
		v, err := strconv.ParseUint(term, 0, 32)
		if err != nil {
			return 0, fmt.Errorf("bad number %q in mask", term)
		}
		return Mask(v), nil
	}
	return 0, fmt.Errorf("unknown mask name %q", term)
}
