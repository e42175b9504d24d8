package kref_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/inosim/inosim/internal/kref"
)

// Helpers are the "callers" the histories must name.

func newObject(tr *kref.Tracker, kind string, id uint64) *kref.Ref {
	r := new(kref.Ref)
	r.Init(tr, kind, id, 1)
	return r
}

func grabRef(r *kref.Ref)         { r.Get() }
func dropRef(r *kref.Ref) bool    { return r.Put() }
func tryGrabRef(r *kref.Ref) bool { return r.TryGet() }

func wantKinds(t *testing.T, rs []*kref.Report, want ...kref.Kind) {
	t.Helper()
	var got []kref.Kind
	for _, r := range rs {
		got = append(got, r.Kind)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		for _, r := range rs {
			t.Log(r)
		}
		t.Fatalf("reports = %v, want %v", got, want)
	}
}

func wantContains(t *testing.T, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("%q missing from:\n%s", sub, s)
		}
	}
}

func TestUnderflow(t *testing.T) {
	tr := kref.NewTracker()
	tr.SetTracing(true, nil)
	r := newObject(tr, "watch", 3)
	grabRef(r)
	if dropRef(r) {
		t.Fatal("Put from 2 said last")
	}
	if !dropRef(r) {
		t.Fatal("Put from 1 did not say last")
	}
	if dropRef(r) {
		t.Fatal("Put below zero said last")
	}
	rs := tr.Reports()
	wantKinds(t, rs, kref.Underflow)
	rep := rs[0]
	if rep.Object != "watch#3" || rep.Count != -1 {
		t.Errorf("report = %+v", rep)
	}
	s := rep.String()
	wantContains(t, s, "refcount: watch#3: put below zero (count now -1)", "history:",
		"init watch#3 -> 1 by kref_test.newObject",
		"get  watch#3 -> 2 by kref_test.grabRef",
		"put  watch#3 -> 1 by kref_test.dropRef",
		"put  watch#3 -> 0 by kref_test.dropRef",
		"put  watch#3 -> -1 by kref_test.dropRef")
	if len(rep.History) != 5 {
		t.Errorf("history has %d entries, want 5 (init, get, 3 puts)", len(rep.History))
	}
	if strings.Contains(s, "kref.(*") || strings.Contains(s, "runtime.") {
		t.Errorf("history names an internal frame:\n%s", s)
	}
	if leaks := tr.Leaks(); len(leaks) != 0 {
		t.Errorf("freed object counted as a leak: %v", leaks)
	}
}

func TestGetAfterFree(t *testing.T) {
	tr := kref.NewTracker()
	tr.SetTracing(true, nil)
	r := newObject(tr, "inode", 12)
	dropRef(r)
	grabRef(r)
	rs := tr.Reports()
	wantKinds(t, rs, kref.GetAfterFree)
	rep := rs[0]
	if rep.Object != "inode#12" || rep.Count != 1 {
		t.Errorf("report = %+v", rep)
	}
	// The history shows who freed it and includes the offending get.
	wantContains(t, rep.String(), "refcount: inode#12: get of an object whose count was zero",
		"put  inode#12 -> 0 by kref_test.dropRef", "get  inode#12 -> 1 by kref_test.grabRef")
	if got := rep.History[len(rep.History)-1]; got.Op != "get" || got.Func != "kref_test.grabRef" {
		t.Errorf("last history entry = %+v, want the get by grabRef", got)
	}
}

func TestLeak(t *testing.T) {
	tr := kref.NewTracker()
	tr.SetTracing(true, nil)
	a := newObject(tr, "handle", 2)
	b := newObject(tr, "handle", 1)
	c := newObject(tr, "dentry", 5)
	grabRef(a)
	dropRef(a)
	dropRef(c) // freed: not a leak
	grabRef(b)
	if got := fmt.Sprint(tr.Live()); got != "[handle#1 handle#2]" {
		t.Errorf("Live = %s", got)
	}
	leaks := tr.Leaks()
	wantKinds(t, leaks, kref.Leak, kref.Leak)
	if leaks[0].Object != "handle#1" || leaks[0].Count != 2 || leaks[1].Object != "handle#2" || leaks[1].Count != 1 {
		t.Errorf("leaks = %v", leaks)
	}
	wantContains(t, leaks[0].String(), "refcount: handle#1: leaked with count 2",
		"init handle#1 -> 1 by kref_test.newObject", "get  handle#1 -> 2 by kref_test.grabRef")
	wantContains(t, leaks[1].String(), "put  handle#2 -> 1 by kref_test.dropRef")
	// Leaks does not change the tracker, and leaks are not in Reports.
	wantKinds(t, tr.Leaks(), kref.Leak, kref.Leak)
	wantKinds(t, tr.Reports())
}

func TestReportsWithoutTracing(t *testing.T) {
	tr := kref.NewTracker()
	r := newObject(tr, "watch", 9)
	dropRef(r)
	dropRef(r)
	grabRef(r)
	rs := tr.Reports()
	wantKinds(t, rs, kref.Underflow, kref.GetAfterFree)
	for _, rep := range rs {
		if len(rep.History) != 0 || strings.Contains(rep.String(), "history:") {
			t.Errorf("history without tracing: %s", rep)
		}
		wantContains(t, rep.String(), "watch#9")
	}
	wantContains(t, rs[1].String(), "get of an object whose count was -1")
}

func TestTryGet(t *testing.T) {
	tr := kref.NewTracker()
	tr.SetTracing(true, nil)
	r := newObject(tr, "inode", 4)
	if !tryGrabRef(r) || r.Count() != 2 {
		t.Fatalf("TryGet on a live object failed (count %d)", r.Count())
	}
	dropRef(r)
	dropRef(r)
	if tryGrabRef(r) {
		t.Fatal("TryGet on zero succeeded")
	}
	if r.Count() != 0 {
		t.Errorf("count = %d after refused TryGet", r.Count())
	}
	wantKinds(t, tr.Reports())
	if len(tr.Leaks()) != 0 {
		t.Errorf("leaks: %v", tr.Leaks())
	}
}

func TestDisabled(t *testing.T) {
	tr := kref.NewTracker()
	tr.SetEnabled(false)
	var entries int
	tr.SetTracing(true, func(kref.Entry) { entries++ })
	r := newObject(tr, "watch", 1)
	grabRef(r)
	if r.Count() != 2 || dropRef(r) || !dropRef(r) || r.Count() != 0 {
		t.Fatalf("counts wrong while disabled: %d", r.Count())
	}
	dropRef(r) // underflow, not reported
	grabRef(r) // get after free, not reported
	leaked := newObject(tr, "watch", 2)
	_ = leaked
	if len(tr.Reports())+len(tr.Leaks())+len(tr.Live())+entries != 0 {
		t.Errorf("disabled tracker reported: %v %v %v, %d entries", tr.Reports(), tr.Leaks(), tr.Live(), entries)
	}

	// A Ref with no tracker counts too.
	var bare kref.Ref
	bare.Init(nil, "bare", 1, 1)
	bare.Get()
	if bare.Put() || !bare.Put() || bare.Name() != "bare#1" {
		t.Errorf("bare ref: count %d", bare.Count())
	}
}

func TestSink(t *testing.T) {
	tr := kref.NewTracker()
	var got []string
	tr.SetTracing(true, func(e kref.Entry) { got = append(got, e.String()) })
	r := newObject(tr, "dev", 0)
	grabRef(r)
	tryGrabRef(r)
	dropRef(r)
	tr.SetTracing(false, nil)
	dropRef(r) // not traced
	want := []string{
		"init dev#0 -> 1 by kref_test.newObject from kref_test.TestSink",
		"get  dev#0 -> 2 by kref_test.grabRef from kref_test.TestSink",
		"get  dev#0 -> 3 by kref_test.tryGrabRef from kref_test.TestSink",
		"put  dev#0 -> 2 by kref_test.dropRef from kref_test.TestSink",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("sink got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestInitWithZeroIsNotLive(t *testing.T) {
	tr := kref.NewTracker()
	var r kref.Ref
	r.Init(tr, "lazy", 1, 0)
	if len(tr.Live()) != 0 || len(tr.Leaks()) != 0 {
		t.Errorf("object initialised with count 0 is live: %v", tr.Live())
	}
}

func TestConcurrent(t *testing.T) {
	tr := kref.NewTracker()
	var mu sync.Mutex
	sunk := 0
	tr.SetTracing(true, func(kref.Entry) { mu.Lock(); sunk++; mu.Unlock() })
	const objs, workers, rounds = 4, 8, 100
	refs := make([]*kref.Ref, objs)
	for i := range refs {
		refs[i] = newObject(tr, "obj", uint64(i))
	}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range rounds {
				r := refs[(w+i)%objs]
				if i%3 == 0 {
					if !tryGrabRef(r) {
						t.Error("TryGet failed on a live object")
						continue
					}
				} else {
					grabRef(r)
				}
				_ = r.Count()
				dropRef(r)
			}
		}()
	}
	// Readers run alongside.
	for range 20 {
		_ = tr.Live()
		_ = tr.Leaks()
		_ = tr.Reports()
	}
	wg.Wait()
	wantKinds(t, tr.Reports())
	for _, r := range refs {
		if r.Count() != 1 {
			t.Errorf("%s count = %d, want 1", r.Name(), r.Count())
		}
		if !dropRef(r) {
			t.Errorf("%s: final put not last", r.Name())
		}
	}
	wantKinds(t, tr.Leaks())
	if want := objs*2 + workers*rounds*2; sunk != want {
		t.Errorf("sink saw %d entries, want %d", sunk, want)
	}
}

func TestKindString(t *testing.T) {
	if kref.Leak.String() != "Leak" || kref.Kind(9).String() != "Kind(9)" {
		t.Errorf("Kind.String: %v %v", kref.Leak, kref.Kind(9))
	}
}

func BenchmarkGetPut(b *testing.B) {
	tr := kref.NewTracker()
	r := newObject(tr, "bench", 1)
	b.ReportAllocs()
	for b.Loop() {
		r.Get()
		r.Put()
	}
}
