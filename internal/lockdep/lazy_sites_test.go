package lockdep

import (
	"strings"
	"testing"
)

func takeXThenY(t *Task, x, y *Mutex) { x.Lock(t); y.Lock(t); y.Unlock(t); x.Unlock(t) }
func takeYThenX(t *Task, x, y *Mutex) { y.Lock(t); x.Lock(t); x.Unlock(t); y.Unlock(t) }

// Without per-acquisition sites, a cycle report still names both call sites.
func TestCycleSitesWithoutSiteCapture(t *testing.T) {
	v := NewValidator()
	v.SetSiteCapture(false)
	var x, y Mutex
	x.Init(NewClass("lazy-x"), 1)
	y.Init(NewClass("lazy-y"), 2)
	takeXThenY(v.NewTask("a"), &x, &y)
	takeYThenX(v.NewTask("b"), &x, &y)
	rs := v.Reports()
	if len(rs) != 1 {
		t.Fatalf("%d reports, want 1", len(rs))
	}
	s := rs[0].String()
	for _, want := range []string{"lazy-x", "lazy-y", "takeXThenY", "takeYThenX"} {
		if !strings.Contains(s, want) {
			t.Errorf("report lacks %q:\n%s", want, s)
		}
	}
}
