package kref_test

import (
	"fmt"

	"github.com/inosim/inosim/internal/kref"
)

type watch struct {
	ref kref.Ref
	wd  int
}

func newWatch(tr *kref.Tracker, wd int) *watch {
	w := &watch{wd: wd}
	w.ref.Init(tr, "watch", uint64(wd), 1) // the creator's reference
	return w
}

func (w *watch) get() { w.ref.Get() }

func (w *watch) put() {
	if w.ref.Put() {
		fmt.Printf("watch %d freed\n", w.wd)
	}
}

// A refcounted object embeds a Ref. With tracing on, a report shows the
// object's get/put history with the function that did each; at teardown,
// Leaks finds what was never put.
func ExampleRef() {
	tr := kref.NewTracker()
	tr.SetTracing(true, nil)

	w1 := newWatch(tr, 1)
	w1.get()
	w1.put()
	w1.put()
	w1.put() // one put too many

	w2 := newWatch(tr, 2)
	w2.get() // never put

	for _, r := range tr.Reports() {
		fmt.Println(r)
	}
	for _, r := range tr.Leaks() {
		fmt.Println(r)
	}
	// Output:
	// watch 1 freed
	// refcount: watch#1: put below zero (count now -1)
	// history:
	//   init watch#1 -> 1 by kref_test.newWatch from kref_test.ExampleRef
	//   get  watch#1 -> 2 by kref_test.(*watch).get from kref_test.ExampleRef
	//   put  watch#1 -> 1 by kref_test.(*watch).put from kref_test.ExampleRef
	//   put  watch#1 -> 0 by kref_test.(*watch).put from kref_test.ExampleRef
	//   put  watch#1 -> -1 by kref_test.(*watch).put from kref_test.ExampleRef
	// refcount: watch#2: leaked with count 2
	// history:
	//   init watch#2 -> 1 by kref_test.newWatch from kref_test.ExampleRef
	//   get  watch#2 -> 2 by kref_test.(*watch).get from kref_test.ExampleRef
}
