package lockdep_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/inosim/inosim/internal/lockdep"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// Each helper below is one Go call site; reports must name the helper that
// called Lock, never a lockdep-internal frame.

func lockOuterA(t *lockdep.Task, m *lockdep.Mutex) { m.Lock(t) }
func lockInnerA(t *lockdep.Task, m *lockdep.Mutex) { m.Lock(t) }
func lockOuterB(t *lockdep.Task, m *lockdep.Mutex) { m.Lock(t) }
func lockInnerB(t *lockdep.Task, m *lockdep.Mutex) { m.Lock(t) }

//go:noinline
func lockNotInlined(t *lockdep.Task, m *lockdep.Mutex) { m.Lock(t) }

func lockNestedChild(t *lockdep.Task, m *lockdep.Mutex, sub int) { m.LockNested(t, sub) }
func unlockHelper(t *lockdep.Task, m *lockdep.Mutex)             { m.Unlock(t) }
func assertHelper(t *lockdep.Task, m *lockdep.Mutex)             { lockdep.AssertHeld(t, m) }
func returnToUser(t *lockdep.Task)                               { t.CheckNoneHeld() }

func newMutex(class string, id uint64) *lockdep.Mutex {
	m := new(lockdep.Mutex)
	m.Init(lockdep.NewClass(class), id)
	return m
}

func kinds(rs []*lockdep.Report) []lockdep.Kind {
	var out []lockdep.Kind
	for _, r := range rs {
		out = append(out, r.Kind)
	}
	return out
}

func wantReports(t *testing.T, v *lockdep.Validator, want ...lockdep.Kind) []*lockdep.Report {
	t.Helper()
	rs := v.Reports()
	if fmt.Sprint(kinds(rs)) != fmt.Sprint(want) {
		for _, r := range rs {
			t.Log("\n" + r.String())
		}
		t.Fatalf("reports = %v, want %v", kinds(rs), want)
	}
	return rs
}

func wantContains(t *testing.T, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("report does not contain %q:\n%s", sub, s)
		}
	}
}

// abba takes X then Y as task A, then Y then X as task B, one after the
// other: no real deadlock, but the order inverts.
func abba(v *lockdep.Validator, x, y *lockdep.Mutex) {
	a := v.NewTask("task/A")
	a.SetSite("scenario.txt:3")
	lockOuterA(a, x)
	lockInnerA(a, y)
	y.Unlock(a)
	x.Unlock(a)

	b := v.NewTask("task/B")
	b.SetSite("scenario.txt:7")
	lockOuterB(b, y)
	lockInnerB(b, x)
	x.Unlock(b)
	y.Unlock(b)
}

func TestCircularTwoTasks(t *testing.T) {
	v := lockdep.NewValidator()
	x, y := newMutex("test.abba.X", 1), newMutex("test.abba.Y", 2)
	abba(v, x, y)
	r := wantReports(t, v, lockdep.Circular)[0]
	s := r.String()
	wantContains(t, s,
		"possible circular locking dependency detected",
		"the existing dependency chain (in reverse order) is:",
		"Possible unsafe locking scenario",
		"*** DEADLOCK ***",
		"test.abba.X", "test.abba.Y",
		"lockdep_test.lockOuterA", "lockdep_test.lockInnerA",
		"lockdep_test.lockOuterB", "lockdep_test.lockInnerB",
		"1 lock held by task/B",
		"scenario.txt:3", "scenario.txt:7",
	)
	for _, bad := range []string{"lockdep.(*Mutex)", "lockdep.callerPC", "runtime."} {
		if strings.Contains(s, bad) {
			t.Errorf("report names internal frame %q:\n%s", bad, s)
		}
	}
	// The structured fields say who did what.
	if r.Site.Func != "lockdep_test.lockInnerB" || r.Site.Task != "task/B" || r.Site.Where != "scenario.txt:7" {
		t.Errorf("Site = %+v, want lockInnerB by task/B at scenario.txt:7", r.Site)
	}
	if r.HeldLock.Lock != "test.abba.Y#2" || r.HeldLock.Site.Func != "lockdep_test.lockOuterB" {
		t.Errorf("HeldLock = %+v", r.HeldLock)
	}
	if len(r.Chain) != 1 {
		t.Fatalf("chain = %+v, want the one edge X->Y", r.Chain)
	}
	c := r.Chain[0]
	if c.From != "test.abba.X" || c.To != "test.abba.Y" || c.Site.Func != "lockdep_test.lockInnerA" ||
		c.HeldSite.Func != "lockdep_test.lockOuterA" || c.Site.Task != "task/A" {
		t.Errorf("chain link = %+v", c)
	}

	// The same inversion again is the same bug: reported once.
	abba(v, x, y)
	wantReports(t, v, lockdep.Circular)
	// The cycle-closing edge is not recorded.
	if got := fmt.Sprint(v.Edges()); strings.Contains(got, "test.abba.Y test.abba.X") {
		t.Errorf("edges contain the cycle-closing edge: %v", got)
	}
}

func TestCircularLengthThree(t *testing.T) {
	v := lockdep.NewValidator()
	a, b, c := newMutex("test.cyc3.A", 1), newMutex("test.cyc3.B", 2), newMutex("test.cyc3.C", 3)
	pair := func(name string, first, second *lockdep.Mutex) {
		tk := v.NewTask(name)
		lockOuterA(tk, first)
		lockInnerA(tk, second)
		second.Unlock(tk)
		first.Unlock(tk)
	}
	pair("task/1", a, b)
	pair("task/2", b, c)
	wantReports(t, v)
	pair("task/3", c, a)
	r := wantReports(t, v, lockdep.Circular)[0]
	if len(r.Chain) != 2 {
		t.Fatalf("chain has %d links, want 2: %+v", len(r.Chain), r.Chain)
	}
	if r.Chain[0].From != "test.cyc3.A" || r.Chain[0].To != "test.cyc3.B" ||
		r.Chain[1].From != "test.cyc3.B" || r.Chain[1].To != "test.cyc3.C" {
		t.Errorf("chain = %+v, want A->B, B->C", r.Chain)
	}
	if r.Chain[0].Site.Task != "task/1" || r.Chain[1].Site.Task != "task/2" {
		t.Errorf("chain sites = %+v", r.Chain)
	}
	s := r.String()
	wantContains(t, s, "-> #1 (test.cyc3.C)", "-> #0 (test.cyc3.B)", "lock(test.cyc3.C);", "lock(test.cyc3.A);")
	if strings.Index(s, "-> #1") > strings.Index(s, "-> #0") {
		t.Errorf("chain not in reverse order:\n%s", s)
	}
}

// A task holding several locks that all close a cycle gets one report.
func TestCircularOneReportPerAcquisition(t *testing.T) {
	v := lockdep.NewValidator()
	a, b, c := newMutex("test.one.A", 1), newMutex("test.one.B", 2), newMutex("test.one.C", 3)
	t1 := v.NewTask("task/1")
	a.Lock(t1)
	b.Lock(t1)
	c.Lock(t1)
	c.Unlock(t1)
	b.Unlock(t1)
	a.Unlock(t1)
	t2 := v.NewTask("task/2")
	b.Lock(t2)
	c.Lock(t2) // C->A and C->B both close cycles
	a.Lock(t2)
	a.Unlock(t2)
	c.Unlock(t2)
	b.Unlock(t2)
	r := wantReports(t, v, lockdep.Circular)[0]
	if r.HeldLock.Lock != "test.one.C#3" {
		t.Errorf("reported against %s, want the innermost held lock test.one.C#3", r.HeldLock.Lock)
	}
}

func TestNestedSubclass(t *testing.T) {
	v := lockdep.NewValidator()
	parent, child := newMutex("test.nest.i_mutex", 10), newMutex("test.nest.i_mutex", 11)
	tk := v.NewTask("task/1")
	for range 3 {
		lockOuterA(tk, parent)
		lockNestedChild(tk, child, 1)
		if got := fmt.Sprint(tk.Held()); got != "[test.nest.i_mutex#10 test.nest.i_mutex/1#11]" {
			t.Errorf("Held = %s", got)
		}
		child.Unlock(tk)
		parent.Unlock(tk)
	}
	wantReports(t, v)
	if e := v.Edges(); len(e) != 1 || e[0].From != "test.nest.i_mutex" || e[0].To != "test.nest.i_mutex/1" ||
		e[0].Site.Func != "lockdep_test.lockNestedChild" {
		t.Errorf("edges = %+v", e)
	}

	// The subclasses in the other order invert the annotated order.
	tk2 := v.NewTask("task/2")
	lockNestedChild(tk2, child, 1)
	lockInnerB(tk2, parent)
	parent.Unlock(tk2)
	child.Unlock(tk2)
	wantReports(t, v, lockdep.Circular)
}

func TestRecursiveSameClass(t *testing.T) {
	v := lockdep.NewValidator()
	m1, m2 := newMutex("test.rec.cls", 1), newMutex("test.rec.cls", 2)
	tk := v.NewTask("task/1")
	for range 2 {
		lockOuterA(tk, m1)
		lockInnerA(tk, m2)
		m2.Unlock(tk)
		m1.Unlock(tk)
	}
	r := wantReports(t, v, lockdep.Recursive)[0]
	wantContains(t, r.String(), "possible recursive locking detected", "test.rec.cls#2",
		"lockdep_test.lockInnerA", "test.rec.cls#1", "lockdep_test.lockOuterA",
		"already holding a lock of the same class")
	if len(tk.Held()) != 0 {
		t.Errorf("held after unlocks: %v", tk.Held())
	}

	// Same subclass given explicitly is still recursive (already reported
	// for this node, so no new report); another subclass is not.
	m1.LockNested(tk, 2)
	m2.LockNested(tk, 2)
	m2.Unlock(tk)
	m1.Unlock(tk)
	rs := wantReports(t, v, lockdep.Recursive, lockdep.Recursive)
	wantContains(t, rs[1].String(), "test.rec.cls/2#2")
}

func TestRecursiveSameInstancePanics(t *testing.T) {
	v := lockdep.NewValidator()
	m := newMutex("test.self.cls", 7)
	tk := v.NewTask("task/1")
	lockOuterA(tk, m)
	// Relocking must panic before it touches the mutex. Were it to block
	// instead, this test would hang until go test's -timeout, whose panic
	// shows this goroutine stuck in lockInnerA: no clock is read here.
	p := func() (p any) {
		defer func() { p = recover() }()
		lockInnerA(tk, m)
		return nil
	}()
	if p == nil {
		t.Fatal("no panic")
	}
	r := wantReports(t, v, lockdep.Recursive)[0]
	wantContains(t, fmt.Sprint(p), "possible recursive locking detected", "test.self.cls#7")
	wantContains(t, r.String(), "lockdep_test.lockInnerA", "lockdep_test.lockOuterA")
	// The task's state is intact: it still holds m exactly once.
	if got := fmt.Sprint(tk.Held()); got != "[test.self.cls#7]" {
		t.Errorf("Held = %s", got)
	}
	m.Unlock(tk)
	lockOuterA(tk, m)
	m.Unlock(tk)
	wantReports(t, v, lockdep.Recursive)
}

func TestBadUnlock(t *testing.T) {
	v := lockdep.NewValidator()
	x, y := newMutex("test.bad.X", 1), newMutex("test.bad.Y", 2)
	tk := v.NewTask("task/1")
	x.Lock(tk)
	unlockHelper(tk, y) // not held: reported, nothing else happens
	r := wantReports(t, v, lockdep.BadUnlock)[0]
	wantContains(t, r.String(), "bad unlock balance detected!", "test.bad.Y#2",
		"lockdep_test.unlockHelper", "1 lock held by task/1", "test.bad.X#1")
	if got := fmt.Sprint(tk.Held()); got != "[test.bad.X#1]" {
		t.Errorf("Held = %s", got)
	}

	// Unlocking a lock another task holds leaves it locked and held.
	other := v.NewTask("task/2")
	lockOuterB(other, y)
	unlockHelper(tk, y) // same site, same lock: not reported twice
	wantReports(t, v, lockdep.BadUnlock)
	y.Unlock(other)
	x.Unlock(tk)
	wantReports(t, v, lockdep.BadUnlock)
	if len(tk.Held())+len(other.Held()) != 0 {
		t.Errorf("still held: %v %v", tk.Held(), other.Held())
	}
}

func TestUnlockOutOfOrder(t *testing.T) {
	v := lockdep.NewValidator()
	a, b, c := newMutex("test.ooo.A", 1), newMutex("test.ooo.B", 2), newMutex("test.ooo.C", 3)
	tk := v.NewTask("task/1")
	lockOuterA(tk, a)
	lockInnerA(tk, b)
	lockNotInlined(tk, c)
	b.Unlock(tk)
	if got := fmt.Sprint(tk.Held()); got != "[test.ooo.A#1 test.ooo.C#3]" {
		t.Fatalf("Held after unlocking the middle lock = %s", got)
	}
	// The held entries kept their own sites after the shift.
	a.Unlock(tk)
	returnToUser(tk)
	r := wantReports(t, v, lockdep.HeldAtReturn)[0]
	if len(r.Held) != 1 || r.Held[0].Lock != "test.ooo.C#3" || r.Held[0].Site.Func != "lockdep_test.lockNotInlined" {
		t.Errorf("held at return = %+v", r.Held)
	}
	// b is free again.
	b.Lock(tk)
	b.Unlock(tk)
}

func TestCheckNoneHeld(t *testing.T) {
	v := lockdep.NewValidator()
	x := newMutex("test.ret.X", 4)
	tk := v.NewTask("task/1")
	tk.SetSite("read(2)")
	returnToUser(tk) // nothing held: nothing reported
	wantReports(t, v)
	lockOuterA(tk, x)
	returnToUser(tk)
	r := wantReports(t, v, lockdep.HeldAtReturn)[0]
	wantContains(t, r.String(), "lock held when returning to user space!", "test.ret.X#4",
		"lockdep_test.lockOuterA", "at read(2)", "1 lock held by task/1")
	if r.Site.Func != "lockdep_test.returnToUser" {
		t.Errorf("Site = %+v, want returnToUser", r.Site)
	}
	if len(tk.Held()) != 0 {
		t.Errorf("still held: %v", tk.Held())
	}
	// The lock was released: another task can take it. (Were it still
	// held, Lock would block until go test's -timeout names this line.)
	other := v.NewTask("task/2")
	x.Lock(other)
	x.Unlock(other)
	wantReports(t, v, lockdep.HeldAtReturn)
}

func TestAssertHeld(t *testing.T) {
	v := lockdep.NewValidator()
	x, y := newMutex("test.assert.X", 1), newMutex("test.assert.Y", 2)
	tk := v.NewTask("task/1")
	x.Lock(tk)
	assertHelper(tk, x)
	wantReports(t, v)
	assertHelper(tk, y)
	r := wantReports(t, v, lockdep.NotHeld)[0]
	wantContains(t, r.String(), "lockdep_assert_held() failed", "task/1 does not hold (test.assert.Y#2)",
		"lockdep_test.assertHelper")
	// A lock held by another task is not held by this one.
	other := v.NewTask("task/2")
	y.Lock(other)
	lockdep.AssertHeld(tk, y)
	wantReports(t, v, lockdep.NotHeld, lockdep.NotHeld)
	lockdep.AssertHeld(other, y)
	y.Unlock(other)
	x.Unlock(tk)
	wantReports(t, v, lockdep.NotHeld, lockdep.NotHeld)
}

func TestDisabled(t *testing.T) {
	v := lockdep.NewValidator()
	v.SetEnabled(false)
	if v.Enabled() {
		t.Fatal("Enabled after SetEnabled(false)")
	}
	traced := 0
	v.SetTrace(func(lockdep.TraceEvent) { traced++ })
	x, y := newMutex("test.off.X", 1), newMutex("test.off.Y", 2)
	abba(v, x, y)
	tk := v.NewTask("task/1")
	lockdep.AssertHeld(tk, x)
	x.Lock(tk)
	tk.CheckNoneHeld()
	x.Unlock(tk)
	var nilTask *lockdep.Task // a nil task means "no checking" too
	x.Lock(nilTask)
	x.Unlock(nilTask)
	wantReports(t, v)
	if traced != 0 || len(v.Edges()) != 0 {
		t.Errorf("disabled validator traced %d events, recorded %v", traced, v.Edges())
	}

	// Locks still exclude: -race catches an unprotected counter.
	var wg sync.WaitGroup
	n := 0
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tk := v.NewTask(fmt.Sprintf("task/%d", g))
			for range 500 {
				x.Lock(tk)
				n++
				x.Unlock(tk)
			}
		}()
	}
	wg.Wait()
	if n != 2000 {
		t.Errorf("n = %d, want 2000", n)
	}
}

func TestTrace(t *testing.T) {
	v := lockdep.NewValidator()
	x, y := newMutex("test.trace.X", 1), newMutex("test.trace.Y", 2)
	var got []string
	v.SetTrace(func(e lockdep.TraceEvent) {
		got = append(got, fmt.Sprintf("%s %s %d %s %s", e.Op, e.Lock, e.Depth, e.Task, e.Func))
	})
	tk := v.NewTask("task/1")
	lockOuterA(tk, x)
	lockNestedChild(tk, y, 1)
	unlockHelper(tk, x) // out of order
	unlockHelper(tk, y)
	lockOuterA(tk, x)
	returnToUser(tk)
	v.SetTrace(nil)
	x.Lock(tk)
	x.Unlock(tk)
	want := []string{
		"lock test.trace.X#1 1 task/1 lockdep_test.lockOuterA",
		"lock test.trace.Y/1#2 2 task/1 lockdep_test.lockNestedChild",
		"unlock test.trace.X#1 2 task/1 lockdep_test.unlockHelper",
		"unlock test.trace.Y/1#2 1 task/1 lockdep_test.unlockHelper",
		"lock test.trace.X#1 1 task/1 lockdep_test.lockOuterA",
		"unlock test.trace.X#1 1 task/1 lockdep_test.returnToUser",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("trace:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	ev := lockdep.TraceEvent{Op: "lock", Lock: "a#1", Depth: 1, Func: "f"}
	if s := ev.String(); s != "lock   a#1 depth=1 by f" {
		t.Errorf("TraceEvent.String = %q", s)
	}
}

// goldenSequence makes one report of every kind.
func goldenSequence(v *lockdep.Validator) string {
	x, y := newMutex("golden.X", 1), newMutex("golden.Y", 2)
	a, b, c := newMutex("golden.A", 1), newMutex("golden.B", 2), newMutex("golden.C", 3)
	i1, i2 := newMutex("golden.i_mutex", 11), newMutex("golden.i_mutex", 12)
	abba(v, x, y)

	t1 := v.NewTask("task/1")
	t1.SetSite("golden.txt:1")
	lockOuterA(t1, a)
	lockInnerA(t1, b)
	b.Unlock(t1)
	a.Unlock(t1)
	lockOuterA(t1, b)
	lockInnerA(t1, c)
	c.Unlock(t1)
	b.Unlock(t1)
	t1.SetSite("golden.txt:2")
	lockOuterB(t1, c)
	lockInnerB(t1, a)
	a.Unlock(t1)
	c.Unlock(t1)

	t1.SetSite("golden.txt:3")
	lockOuterA(t1, i1)
	lockInnerA(t1, i2)
	i2.Unlock(t1)
	func() {
		defer func() { _ = recover() }()
		lockInnerB(t1, i1)
	}()
	unlockHelper(t1, x)
	assertHelper(t1, x)
	t1.SetSite("golden.txt:4")
	returnToUser(t1)

	var sb strings.Builder
	for _, r := range v.Reports() {
		fmt.Fprintf(&sb, "### %v\n%s\n", r.Kind, r)
	}
	return sb.String()
}

func TestGoldenDeterministic(t *testing.T) {
	got1 := goldenSequence(lockdep.NewValidator())
	got2 := goldenSequence(lockdep.NewValidator())
	if got1 != got2 {
		t.Fatalf("two fresh validators disagree:\n%s\n----\n%s", got1, got2)
	}
	for _, k := range []string{"Circular", "Recursive", "BadUnlock", "NotHeld", "HeldAtReturn"} {
		if !strings.Contains(got1, "### "+k+"\n") {
			t.Errorf("golden sequence makes no %s report", k)
		}
	}
	path := filepath.Join("testdata", "reports.golden")
	if *update {
		if err := os.WriteFile(path, []byte(got1), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got1 != string(want) {
		t.Errorf("reports differ from %s (go test -update to accept):\n%s", path, got1)
	}
}

func TestConcurrentConsistentOrder(t *testing.T) {
	v := lockdep.NewValidator()
	a, b, c := newMutex("test.conc.A", 1), newMutex("test.conc.B", 2), newMutex("test.conc.C", 3)
	shared := 0
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tk := v.NewTask(fmt.Sprintf("task/%d", g))
			own := newMutex("test.conc.own", uint64(100+g))
			for i := range 200 {
				a.Lock(tk)
				if i%2 == 0 {
					b.Lock(tk)
				}
				c.Lock(tk)
				own.LockNested(tk, 0)
				shared++
				lockdep.AssertHeld(tk, c)
				own.Unlock(tk)
				c.Unlock(tk)
				if i%2 == 0 {
					b.Unlock(tk)
				}
				a.Unlock(tk)
				tk.CheckNoneHeld()
			}
		}()
	}
	// Readers of the graph and reports run alongside.
	stop := make(chan struct{})
	var rd sync.WaitGroup
	rd.Add(1)
	go func() {
		defer rd.Done()
		for {
			select {
			case <-stop:
				return
			default:
				_ = v.Reports()
				_ = v.Edges()
			}
		}
	}()
	wg.Wait()
	close(stop)
	rd.Wait()
	wantReports(t, v)
	if shared != 1600 {
		t.Errorf("shared = %d", shared)
	}
	var edges []string
	for _, e := range v.Edges() {
		edges = append(edges, e.From+"->"+e.To)
	}
	want := "test.conc.A->test.conc.B test.conc.A->test.conc.C test.conc.A->test.conc.own " +
		"test.conc.B->test.conc.C test.conc.B->test.conc.own test.conc.C->test.conc.own"
	if got := strings.Join(edges, " "); got != want {
		t.Errorf("edges = %s\nwant    %s", got, want)
	}
}

func TestConcurrentTraceSwitching(t *testing.T) {
	v := lockdep.NewValidator()
	a := newMutex("test.ctrace.A", 1)
	var mu sync.Mutex
	n := 0
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tk := v.NewTask(fmt.Sprintf("task/%d", g))
			for range 200 {
				a.Lock(tk)
				a.Unlock(tk)
			}
		}()
	}
	for range 50 {
		v.SetTrace(func(lockdep.TraceEvent) { mu.Lock(); n++; mu.Unlock() })
		v.SetTrace(nil)
	}
	wg.Wait()
	wantReports(t, v)
}

func TestKindString(t *testing.T) {
	for k, want := range map[lockdep.Kind]string{lockdep.Circular: "Circular", lockdep.NotHeld: "NotHeld", 42: "Kind(42)"} {
		if k.String() != want {
			t.Errorf("%d.String() = %q, want %q", int(k), k.String(), want)
		}
	}
}

func TestLockBeforeInitPanics(t *testing.T) {
	v := lockdep.NewValidator()
	var m lockdep.Mutex
	defer func() {
		if p := recover(); p == nil || !strings.Contains(fmt.Sprint(p), "before Init") {
			t.Errorf("recover() = %v", p)
		}
	}()
	m.Lock(v.NewTask("task/1"))
}

func benchLockUnlock(b *testing.B, checked bool) {
	v := lockdep.NewValidator()
	v.SetEnabled(checked)
	x, y := newMutex("bench.X", 1), newMutex("bench.Y", 2)
	tk := v.NewTask("bench")
	b.ReportAllocs()
	for b.Loop() {
		x.Lock(tk)
		y.Lock(tk)
		y.Unlock(tk)
		x.Unlock(tk)
	}
}

// One iteration is two locks and two unlocks of a known edge pair.
func BenchmarkLockUnlockChecked(b *testing.B)   { benchLockUnlock(b, true) }
func BenchmarkLockUnlockUnchecked(b *testing.B) { benchLockUnlock(b, false) }
