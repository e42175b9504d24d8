//go:build !race

package lockdep_test

import (
	"testing"

	"github.com/inosim/inosim/internal/lockdep"
)

// With the edge known, a checked acquisition allocates nothing.
func TestKnownEdgeDoesNotAllocate(t *testing.T) {
	v := lockdep.NewValidator()
	x, y := newMutex("alloc.X", 1), newMutex("alloc.Y", 2)
	tk := v.NewTask("task/1")
	cycle := func() {
		x.Lock(tk)
		y.LockNested(tk, 0)
		lockdep.AssertHeld(tk, y)
		y.Unlock(tk)
		x.Unlock(tk)
	}
	cycle()
	if n := testing.AllocsPerRun(100, cycle); n != 0 {
		t.Errorf("%v allocations per lock/unlock pair of a known edge, want 0", n)
	}
}
