package uapi

import (
	"encoding/binary"
	"fmt"
	"slices"
)

// EventHeaderSize is sizeof(struct inotify_event) without its name.
const EventHeaderSize = 16

// Event is one struct inotify_event as user space sees it, with the name's
// NUL padding removed.
type Event struct {
	Wd     int32
	Mask   Mask
	Cookie uint32
	Name   string
}

// PaddedNameLen is the len field the kernel reports for a name of n bytes:
// round_event_name_len(), roundup(n+1, 16), or 0 when there is no name.
func PaddedNameLen(n int) int {
	if n == 0 {
		return 0
	}
	return (n + EventHeaderSize) &^ (EventHeaderSize - 1) // n+1 rounded up; n >= 0
}

// Size is the number of bytes read(2) returns for the event.
func (e Event) Size() int { return EventHeaderSize + PaddedNameLen(len(e.Name)) }

var zeros [EventHeaderSize]byte // the most NUL padding a name gets

// AppendEncode appends the event's bytes (little-endian, as on x86_64 and
// arm64) with the name NUL-padded to PaddedNameLen.
func (e Event) AppendEncode(b []byte) []byte {
	plen := PaddedNameLen(len(e.Name))
	n := len(b)
	b = slices.Grow(b, EventHeaderSize+plen)[:n+EventHeaderSize+plen] // grows once
	h := b[n:]
	binary.LittleEndian.PutUint32(h[0:], uint32(e.Wd))
	binary.LittleEndian.PutUint32(h[4:], uint32(e.Mask))
	binary.LittleEndian.PutUint32(h[8:], e.Cookie)
	binary.LittleEndian.PutUint32(h[12:], uint32(plen))
	if plen > 0 {
		// The padding is at most 16 bytes, all in the name's last 16:
		// zero those, then write the name over them.
		binary.LittleEndian.PutUint64(h[len(h)-16:], 0)
		binary.LittleEndian.PutUint64(h[len(h)-8:], 0)
		copy(h[EventHeaderSize:], e.Name)
	}
	return b
}

// Decode turns the bytes of one or more read(2) calls on an inotify fd back
// into events. It fails on a truncated event rather than guessing.
func Decode(b []byte) ([]Event, error) {
	var evs []Event
	for off := 0; off < len(b); {
		if len(b)-off < EventHeaderSize {
			return evs, fmt.Errorf("inotify: truncated event header at byte %d", off)
		}
		h := b[off:]
		e := Event{
			Wd:     int32(binary.LittleEndian.Uint32(h[0:])),
			Mask:   Mask(binary.LittleEndian.Uint32(h[4:])),
			Cookie: binary.LittleEndian.Uint32(h[8:]),
		}
		n := int(binary.LittleEndian.Uint32(h[12:]))
		off += EventHeaderSize
		if n > len(b)-off {
			return evs, fmt.Errorf("inotify: event name of %d bytes overruns buffer at byte %d", n, off)
		}
		name := b[off : off+n]
		for i, c := range name {
			if c == 0 {
				name = name[:i]
				break
			}
		}
		e.Name = string(name)
		off += n
		evs = append(evs, e)
	}
	return evs, nil
}
