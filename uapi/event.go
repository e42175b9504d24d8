package uapi

import (
	"encoding/binary"
	"fmt"
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
	return (n + 1 + EventHeaderSize - 1) / EventHeaderSize * EventHeaderSize
}

// Size is the number of bytes read(2) returns for the event.
func (e Event) Size() int { return EventHeaderSize + PaddedNameLen(len(e.Name)) }

var zeros [EventHeaderSize]byte // the most NUL padding a name gets

// AppendEncode appends the event's bytes (little-endian, as on x86_64 and
// arm64) with the name NUL-padded to PaddedNameLen.
func (e Event) AppendEncode(b []byte) []byte {
	n := len(b)
	b = append(b, make([]byte, e.Size())...) // grows once; NUL padding included
	e.encode(b[n:])
	return b
}

// encode writes the event into b, which holds exactly Size() zeroed bytes.
func (e Event) encode(b []byte) {
	_ = b[EventHeaderSize-1]
	binary.LittleEndian.PutUint32(b[0:], uint32(e.Wd))
	binary.LittleEndian.PutUint32(b[4:], uint32(e.Mask))
	binary.LittleEndian.PutUint32(b[8:], e.Cookie)
	binary.LittleEndian.PutUint32(b[12:], uint32(len(b)-EventHeaderSize))
	copy(b[EventHeaderSize:], e.Name)
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
