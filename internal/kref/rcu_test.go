package kref_test

import (
	"strings"
	"testing"

	"github.com/inosim/inosim/internal/kref"
)

func freeRef(r *kref.Ref) { r.Free() }

// TestRCUFreedAfterGracePeriod: an InitRCU object stays live after its
// final put until Free, and its history shows the free last.
func TestRCUFreedAfterGracePeriod(t *testing.T) {
	tr := kref.NewTracker()
	tr.SetTracing(true, nil)
	r := new(kref.Ref)
	r.InitRCU(tr, "mark", 1, 1)
	if !dropRef(r) {
		t.Fatal("the final put did not say so")
	}
	if got := tr.Live(); len(got) != 1 || got[0] != "mark#1" {
		t.Fatalf("live after the final put = %v, want [mark#1]", got)
	}
	leaks := tr.Leaks()
	wantKinds(t, leaks, kref.Leak)
	wantContains(t, leaks[0].String(), "never freed after its last put")
	freeRef(r)
	if got := tr.Live(); len(got) != 0 {
		t.Fatalf("live after Free = %v", got)
	}
	wantKinds(t, tr.Reports())
	var ops []string
	for _, e := range leaks[0].History {
		ops = append(ops, e.Op)
	}
	if s := strings.Join(ops, " "); s != "init put" {
		t.Errorf("history before Free = %q", s)
	}
}

// TestRCUBadFree: Free of a referenced object, or twice, is reported; a
// get after the final put is still a use after free.
func TestRCUBadFree(t *testing.T) {
	tr := kref.NewTracker()
	r := new(kref.Ref)
	r.InitRCU(tr, "conn", 2, 1)
	freeRef(r)
	wantKinds(t, tr.Reports(), kref.BadFree)
	dropRef(r)
	grabRef(r)
	wantKinds(t, tr.Reports(), kref.BadFree, kref.GetAfterFree)
	r2 := new(kref.Ref)
	r2.InitRCU(tr, "conn", 3, 1)
	dropRef(r2)
	freeRef(r2)
	freeRef(r2)
	rs := tr.Reports()
	wantKinds(t, rs, kref.BadFree, kref.GetAfterFree, kref.BadFree)
	wantContains(t, rs[2].String(), "freed twice")
}

// TestPutNotLast: refcount_dec_not_one drops all but the last reference.
func TestPutNotLast(t *testing.T) {
	tr := kref.NewTracker()
	r := newObject(tr, "mark", 4)
	grabRef(r)
	if !r.PutNotLast() || r.Count() != 1 {
		t.Fatalf("PutNotLast from 2: count %d", r.Count())
	}
	if r.PutNotLast() || r.Count() != 1 {
		t.Fatalf("PutNotLast from 1 dropped it: count %d", r.Count())
	}
	dropRef(r)
	wantKinds(t, tr.Reports())
	if len(tr.Leaks()) != 0 {
		t.Error("leak after the final put")
	}
}
