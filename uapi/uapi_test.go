package uapi

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestMaskString(t *testing.T) {
	cases := []struct {
		m    Mask
		want string
	}{
		{0, "0"},
		{IN_CREATE | IN_ISDIR, "IN_CREATE|IN_ISDIR"},
		{IN_MOVED_FROM, "IN_MOVED_FROM"},
		{IN_ACCESS | 0x1000 | IN_ONESHOT, "IN_ACCESS|0x1000|IN_ONESHOT"},
		{IN_CLOSE, "IN_CLOSE_WRITE|IN_CLOSE_NOWRITE"},
	}
	for _, c := range cases {
		if got := c.m.String(); got != c.want {
			t.Errorf("Mask(%#x).String() = %q, want %q", uint32(c.m), got, c.want)
		}
	}
}

func TestParseMask(t *testing.T) {
	cases := []struct {
		in   string
		want Mask
		err  bool
	}{
		{"IN_ALL_EVENTS", IN_ALL_EVENTS, false},
		{"IN_CREATE|IN_DELETE", IN_CREATE | IN_DELETE, false},
		{"0x100|IN_ONESHOT", IN_CREATE | IN_ONESHOT, false},
		{"256", IN_CREATE, false},
		{"IN_CLOSE|IN_MOVE", IN_CLOSE | IN_MOVE, false},
		{"IN_BOGUS", 0, true},
		{"IN_CREATE|", 0, true},
		{"", 0, true},
	}
	for _, c := range cases {
		got, err := ParseMask(c.in)
		if (err != nil) != c.err || got != c.want {
			t.Errorf("ParseMask(%q) = %v, %v; want %v, err=%v", c.in, got, err, c.want, c.err)
		}
	}
	// Every printed mask parses back to itself.
	for _, m := range []Mask{IN_ALL_EVENTS | IN_ISDIR, 0x10000000 | IN_IGNORED} {
		back, err := ParseMask(m.String())
		if err != nil || back != m {
			t.Errorf("round trip of %v gave %v, %v", m, back, err)
		}
	}
}

func TestPaddedNameLen(t *testing.T) {
	// Observed on the host (semantics.md #33).
	for n, want := range map[int]int{0: 0, 1: 16, 15: 16, 16: 32, 31: 32, 32: 48, 255: 256} {
		if got := PaddedNameLen(n); got != want {
			t.Errorf("PaddedNameLen(%d) = %d, want %d", n, got, want)
		}
	}
}

func TestEncodeDecode(t *testing.T) {
	evs := []Event{
		{Wd: 1, Mask: IN_CREATE, Name: "a"},
		{Wd: -1, Mask: IN_Q_OVERFLOW},
		{Wd: 2, Mask: IN_MOVED_FROM, Cookie: 7, Name: "0123456789abcdef"},
	}
	var b []byte
	for _, e := range evs {
		b = e.AppendEncode(b)
	}
	if len(b) != 32+16+48 {
		t.Fatalf("encoded %d bytes, want 96", len(b))
	}
	if b[16+4] != 0 || b[16] != 'a' {
		t.Errorf("name not NUL padded: % x", b[16:32])
	}
	got, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(evs, got); d != "" {
		t.Errorf("round trip (-want +got):\n%s", d)
	}
	if _, err := Decode(b[:20]); err == nil {
		t.Error("Decode of a truncated buffer succeeded")
	}
	// Into a buffer whose spare room holds old bytes: the padding is
	// still NULs, byte for byte the same.
	dirty := make([]byte, 0, 256)
	for i := range dirty[:cap(dirty)] {
		dirty[:cap(dirty)][i] = 0xff
	}
	for _, e := range evs {
		dirty = e.AppendEncode(dirty)
	}
	if !bytes.Equal(dirty, b) {
		t.Errorf("encoding into a used buffer:\n% x\nwant\n% x", dirty, b)
	}
}
