package lockdep_test

import (
	"strings"
	"testing"

	"github.com/inosim/inosim/internal/lockdep"
)

func newMap(class string) *lockdep.Map {
	p := new(lockdep.Map)
	p.Init(lockdep.NewClass(class), 0)
	return p
}

func syncHelper(t *lockdep.Task, p *lockdep.Map) { p.Sync(t) }

// TestMapReadersNest: a read-side section inside another, and a lock taken
// inside one, are no problem.
func TestMapReadersNest(t *testing.T) {
	v := lockdep.NewValidator()
	srcu := newMap("test_srcu_nest")
	x := newMutex("test_srcu_nest_x", 1)
	a := v.NewTask("task/A")
	srcu.AcquireRead(a)
	srcu.AcquireRead(a)
	x.Lock(a)
	if !srcu.Held(a) {
		t.Error("Held = false inside the section")
	}
	x.Unlock(a)
	srcu.Release(a)
	srcu.Release(a)
	if srcu.Held(a) {
		t.Error("Held = true after the section")
	}
	a.CheckNoneHeld()
	wantReports(t, v)
}

// TestMapSyncInsideReadSection: synchronize_srcu from inside the task's
// own read-side section can never return: reported, then a panic.
func TestMapSyncInsideReadSection(t *testing.T) {
	v := lockdep.NewValidator()
	srcu := newMap("test_srcu_self")
	a := v.NewTask("task/A")
	srcu.AcquireRead(a)
	func() {
		defer func() {
			if recover() == nil {
				t.Error("Sync inside the read section did not panic")
			}
		}()
		syncHelper(a, srcu)
	}()
	rs := wantReports(t, v, lockdep.Recursive)
	wantContains(t, rs[0].String(), "possible recursive locking detected", "test_srcu_self#0", "syncHelper")
}

// TestMapSyncUnderLockTakenByReader: a reader that takes X, and a task that
// holds X around synchronize_srcu, deadlock: the reader waits for X, the
// holder of X for the reader.
func TestMapSyncUnderLockTakenByReader(t *testing.T) {
	v := lockdep.NewValidator()
	srcu := newMap("test_srcu_inv")
	x := newMutex("test_srcu_inv_x", 1)
	r := v.NewTask("task/reader")
	srcu.AcquireRead(r)
	x.Lock(r)
	x.Unlock(r)
	srcu.Release(r)

	w := v.NewTask("task/writer")
	x.Lock(w)
	syncHelper(w, srcu)
	x.Unlock(w)
	rs := wantReports(t, v, lockdep.Circular)
	wantContains(t, rs[0].String(), "test_srcu_inv#0", "test_srcu_inv_x", "syncHelper")
}

// TestMapReadersDoNotMakeCycles: X then a read section, and a read section
// then X, cannot deadlock (a reader never waits for a reader); the first
// dependency is marked ToRead.
func TestMapReadersDoNotMakeCycles(t *testing.T) {
	v := lockdep.NewValidator()
	srcu := newMap("test_srcu_rr")
	x := newMutex("test_srcu_rr_x", 1)
	a := v.NewTask("task/A")
	x.Lock(a)
	srcu.AcquireRead(a)
	srcu.Release(a)
	x.Unlock(a)
	b := v.NewTask("task/B")
	srcu.AcquireRead(b)
	x.Lock(b)
	x.Unlock(b)
	srcu.Release(b)
	wantReports(t, v)
	var got []string
	for _, e := range v.Edges() {
		if strings.HasPrefix(e.From, "test_srcu_rr") {
			got = append(got, e.From+">"+e.To+map[bool]string{true: "(read)", false: ""}[e.ToRead])
		}
	}
	want := "[test_srcu_rr>test_srcu_rr_x test_srcu_rr_x>test_srcu_rr(read)]"
	if s := "[" + strings.Join(got, " ") + "]"; s != want {
		t.Errorf("edges %s, want %s", s, want)
	}
	// A writer (synchronize) under X now closes X → srcu → X: reported.
	c := v.NewTask("task/C")
	x.Lock(c)
	srcu.Sync(c)
	x.Unlock(c)
	wantReports(t, v, lockdep.Circular)
}

// TestMapTrace: a read section traces as rlock/unlock, a synchronize as
// sync.
func TestMapTrace(t *testing.T) {
	v := lockdep.NewValidator()
	srcu := newMap("test_srcu_trace")
	var got []string
	v.SetTrace(func(e lockdep.TraceEvent) { got = append(got, e.Op+" "+e.Lock) })
	a := v.NewTask("task/A")
	srcu.AcquireRead(a)
	srcu.Release(a)
	srcu.Sync(a)
	want := "rlock test_srcu_trace#0|unlock test_srcu_trace#0|sync test_srcu_trace#0"
	if s := strings.Join(got, "|"); s != want {
		t.Errorf("trace %q, want %q", s, want)
	}
}

// TestMapAssertHeld: asserting a section that is not held is reported.
func TestMapAssertHeld(t *testing.T) {
	v := lockdep.NewValidator()
	srcu := newMap("test_srcu_assert")
	a := v.NewTask("task/A")
	srcu.AcquireRead(a)
	srcu.AssertHeld(a)
	srcu.Release(a)
	wantReports(t, v)
	srcu.AssertHeld(a)
	wantReports(t, v, lockdep.NotHeld)
}
