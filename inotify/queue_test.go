package inotify

import (
	"context"
	"errors"
	"runtime"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/inosim/inosim/internal/lockdep"
	"github.com/inosim/inosim/internal/personality"
	"github.com/inosim/inosim/uapi"
)

type ev = uapi.Event

func offer(t *testing.T, q *Queue, cur *lockdep.Task, evs ...ev) []Result {
	t.Helper()
	var rs []Result
	for _, e := range evs {
		q.EvMutex.Lock(cur)
		rs = append(rs, q.QueueEventLocked(cur, e.Wd, e.Mask, e.Cookie, e.Name))
		q.EvMutex.Unlock(cur)
	}
	return rs
}

func readAll(t *testing.T, q *Queue, cur *lockdep.Task) []ev {
	t.Helper()
	b, err := q.Read(context.Background(), cur, 1<<20, true)
	if errors.Is(err, syscall.EAGAIN) {
		return nil
	}
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	evs, err := uapi.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func setup(t *testing.T, p *personality.P, max int) (*Queue, *lockdep.Task) {
	v := lockdep.NewValidator()
	t.Cleanup(func() {
		for _, r := range v.Reports() {
			t.Errorf("lockdep: %s", r)
		}
	})
	return NewQueue(p, max, 1), v.NewTask("task/1")
}

var (
	modA  = ev{Wd: 1, Mask: uapi.IN_MODIFY, Name: "a"}
	modB  = ev{Wd: 1, Mask: uapi.IN_MODIFY, Name: "b"}
	attrA = ev{Wd: 1, Mask: uapi.IN_ATTRIB, Name: "a"}
)

func TestCoalesceAgainstTail(t *testing.T) {
	q, cur := setup(t, personality.Linux2625, 16384)
	offer(t, q, cur, modA, modA, modA)
	if got := readAll(t, q, cur); !cmp.Equal(got, []ev{modA}) {
		t.Errorf("three identical writes: got %v, want one MODIFY", got)
	}
	offer(t, q, cur, modA, modB, modA)
	if got := readAll(t, q, cur); len(got) != 3 {
		t.Errorf("a,b,a: got %d events, want 3 (only the newest is compared)", len(got))
	}
	offer(t, q, cur, modA, attrA, modA)
	if got := readAll(t, q, cur); len(got) != 3 {
		t.Errorf("MODIFY,ATTRIB,MODIFY: got %d events, want 3", len(got))
	}
	// The seeds compare the cookie (today's inotify_merge does not).
	f1 := ev{Wd: 1, Mask: uapi.IN_MOVED_FROM, Cookie: 7, Name: "x"}
	f2 := f1
	f2.Cookie = 9
	offer(t, q, cur, f1, f2)
	if got := readAll(t, q, cur); !cmp.Equal(got, []ev{f1, f2}) {
		t.Errorf("MOVED_FROM with two cookies: got %v, want both", got)
	}
	// Even an IN_IGNORED tail is merged into (today's never is).
	ign := ev{Wd: 1, Mask: uapi.IN_IGNORED}
	offer(t, q, cur, ign, ign)
	if got := readAll(t, q, cur); len(got) != 1 {
		t.Errorf("two IGNORED: got %d, want 1", len(got))
	}
}

func TestCoalesceSeedHeadAndCookie(t *testing.T) {
	q, cur := setup(t, personality.Linux2618, 16384)
	offer(t, q, cur, modA, modB, modA)
	if got := readAll(t, q, cur); !cmp.Equal(got, []ev{modA, modB}) {
		t.Errorf("head merge a,b,a: got %v, want [a b]", got)
	}
	f1 := ev{Wd: 1, Mask: uapi.IN_MOVED_FROM, Cookie: 7, Name: "x"}
	f2 := f1
	f2.Cookie = 9
	offer(t, q, cur, f1, f2)
	if got := readAll(t, q, cur); len(got) != 2 {
		t.Errorf("seed compares cookies: got %v", got)
	}
}

func TestOverflowLimitTwo(t *testing.T) {
	q, cur := setup(t, personality.Linux2625, 2)
	rs := offer(t, q, cur,
		ev{Wd: 1, Mask: uapi.IN_CREATE, Name: "g"},
		ev{Wd: 1, Mask: uapi.IN_MODIFY, Name: "f"},
		ev{Wd: 1, Mask: uapi.IN_MODIFY, Name: "f"}, // identical to the tail: merged before the limit is checked
		ev{Wd: 1, Mask: uapi.IN_IGNORED},           // event_count == max: an overflow event in its place
	)
	if want := []Result{Queued, Queued, Merged, Overflowed}; !cmp.Equal(rs, want) {
		t.Errorf("results %v, want %v", rs, want)
	}
	if n := q.Fionread(cur); n != 32+32+16 {
		t.Errorf("FIONREAD %d, want 80", n)
	}
	got := readAll(t, q, cur)
	want := []ev{{Wd: 1, Mask: uapi.IN_CREATE, Name: "g"}, {Wd: 1, Mask: uapi.IN_MODIFY, Name: "f"}, {Wd: -1, Mask: uapi.IN_Q_OVERFLOW}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("events (-want +got):\n%s", d)
	}
	s := q.Snapshot(cur).Stats
	if s.Offered != s.Queued+s.Merged+s.Dropped || s.Dropped != 1 || s.Merged != 1 || s.Overflows != 1 {
		t.Errorf("books do not balance: %+v", s)
	}
}

func TestOverflowAfterPartialRead(t *testing.T) {
	// semantics.md #35: limit 4, 8 creates, read 2, then f8 f9 f10.
	for _, tc := range []struct {
		p    *personality.P
		want []string
	}{
		// Seed 002's count: the overflow event counts, so after a
		// partial read a second one can be queued (today's is queued at
		// most once: f2 f3 OVF f8).
		{personality.Linux2618, []string{"f2", "f3", "OVF", "f8", "OVF"}},
		{personality.Linux2625, []string{"f2", "f3", "OVF", "f8", "OVF"}},
	} {
		q, cur := setup(t, tc.p, 4)
		for i := 0; i < 8; i++ {
			offer(t, q, cur, ev{Wd: 1, Mask: uapi.IN_CREATE, Name: "f" + string(rune('0'+i))})
		}
		if n := q.Fionread(cur); n != 4*32+16 {
			t.Errorf("%s: FIONREAD %d, want 144", tc.p.Name, n)
		}
		if _, err := q.Read(context.Background(), cur, 64, true); err != nil {
			t.Fatal(err)
		}
		for _, n := range []string{"f8", "f9", "fa"} {
			offer(t, q, cur, ev{Wd: 1, Mask: uapi.IN_CREATE, Name: n})
		}
		var names []string
		for _, e := range readAll(t, q, cur) {
			if e.Mask == uapi.IN_Q_OVERFLOW {
				names = append(names, "OVF")
			} else {
				names = append(names, e.Name)
			}
		}
		if !cmp.Equal(names, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.p.Name, names, tc.want)
		}
	}
}

func TestReadSizes(t *testing.T) {
	q, cur := setup(t, personality.Linux2625, 16384)
	ctx := context.Background()
	if _, err := q.Read(ctx, cur, 0, true); !errors.Is(err, syscall.EAGAIN) {
		t.Errorf("read(0) of an empty queue: %v, want EAGAIN", err)
	}
	offer(t, q, cur, ev{Wd: 1, Mask: uapi.IN_CREATE, Name: "abc"}, ev{Wd: 1, Mask: uapi.IN_CREATE, Name: "0123456789abcdef"})
	for _, n := range []int{15, 16, 31} {
		if _, err := q.Read(ctx, cur, n, true); !errors.Is(err, syscall.EINVAL) {
			t.Errorf("read(%d) with a 32-byte event first: %v, want EINVAL", n, err)
		}
	}
	// Seed 002: "if (ret == 0 && count > 0) ret = -EINVAL".
	if b, err := q.Read(ctx, cur, 0, true); err != nil || len(b) != 0 {
		t.Errorf("read(0) with an event queued: %d bytes, %v; want 0, nil", len(b), err)
	}
	fion := q.Fionread(cur)
	b, err := q.Read(ctx, cur, 72, true)
	if err != nil || len(b) != 32 {
		t.Fatalf("read(72): %d bytes, %v; want 32", len(b), err)
	}
	if rest := q.Fionread(cur); rest != fion-32 || rest != 48 {
		t.Errorf("FIONREAD after a short read: %d, want 48", rest)
	}
	// The seeds before 2.6.21 returned 0 instead of EINVAL.
	q2, cur2 := setup(t, personality.Linux2618, 16384)
	offer(t, q2, cur2, ev{Wd: 1, Mask: uapi.IN_CREATE, Name: "abc"})
	if b, err := q2.Read(ctx, cur2, 16, true); err != nil || len(b) != 0 {
		t.Errorf("2.6.18 short read: %d bytes, %v; want 0, nil", len(b), err)
	}
}

// waitSleeping returns once a reader has registered on q's wait queue
// (under ev_mutex, so it cannot miss a wake-up from then on). It yields
// instead of waiting on a clock.
func waitSleeping(q *Queue, cur *lockdep.Task) {
	for {
		q.EvMutex.Lock(cur)
		n := q.wq.Waiters(cur)
		q.EvMutex.Unlock(cur)
		if n > 0 {
			return
		}
		runtime.Gosched()
	}
}

// TestBlockingReadWokenAndInterrupted: a read of an empty queue sleeps
// (seen before anything is queued), is woken by an event, and a sleeping
// read whose context is cancelled returns EINTR.
func TestBlockingReadWokenAndInterrupted(t *testing.T) {
	q, cur := setup(t, personality.Linux2625, 16384)
	v := cur.Validator()
	writer := v.NewTask("task/2")
	done := make(chan []byte)
	go func() {
		b, err := q.Read(context.Background(), cur, 4096, false)
		if err != nil {
			t.Error(err)
		}
		done <- b
	}()
	waitSleeping(q, writer)
	offer(t, q, writer, modA)
	if b := <-done; len(b) != 32 {
		t.Errorf("woken read returned %d bytes, want 32", len(b))
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error)
	go func() {
		_, err := q.Read(ctx, cur, 4096, false)
		errc <- err
	}()
	waitSleeping(q, writer)
	cancel()
	if err := <-errc; !errors.Is(err, syscall.EINTR) {
		t.Errorf("interrupted read: %v, want EINTR", err)
	}
}

func TestFlushStopsQueueing(t *testing.T) {
	q, cur := setup(t, personality.Linux2625, 16384)
	offer(t, q, cur, modA)
	q.Flush(cur)
	if r := offer(t, q, cur, modB); r[0] != Shutdown {
		t.Errorf("queueing after release: %v", r)
	}
	if q.Poll(cur) || q.Fionread(cur) != 0 {
		t.Error("queue not empty after Flush")
	}
}
