package idr

import (
	"math"
	"math/rand"
	"sort"
	"testing"
)

func TestIdrLowestFreeMatchesLinearScan(t *testing.T) {
	var r IDR[int]
	live := map[int32]bool{}
	rng := rand.New(rand.NewSource(1))
	linear := func(start int32) int64 {
		for id := int64(start); id <= math.MaxInt32; id++ {
			if !live[int32(id)] {
				return id
			}
		}
		return -1
	}
	for i := 0; i < 20000; i++ {
		start := int32(1 + rng.Intn(5000))
		if rng.Intn(3) == 0 && len(live) > 0 {
			for id := range live { // remove an arbitrary one
				r.Remove(id)
				delete(live, id)
				break
			}
			continue
		}
		got := r.LowestFree(uint32(start))
		if want := linear(start); got != want {
			t.Fatalf("step %d: lowestFree(%d) = %d, want %d", i, start, got, want)
		}
		r.Insert(int32(got), i)
		live[int32(got)] = true
	}
	ids := r.IDs()
	if len(ids) != len(live) || r.count != len(live) {
		t.Fatalf("ids() has %d, count %d, want %d", len(ids), r.count, len(live))
	}
	if !sort.SliceIsSorted(ids, func(i, j int) bool { return ids[i] < ids[j] }) {
		t.Error("ids() not ascending")
	}
	for _, id := range ids {
		if v, ok := r.Find(id); !ok || !live[id] {
			t.Fatalf("find(%d) = %v, %v", id, v, ok)
		}
	}
}

func TestIdrTopOfRange(t *testing.T) {
	var r IDR[int]
	r.Insert(math.MaxInt32, 1)
	if got := r.LowestFree(math.MaxInt32); got != -1 {
		t.Errorf("lowestFree(INT_MAX) with INT_MAX taken = %d, want -1", got)
	}
	if got := r.LowestFree(math.MaxInt32 - 1); got != math.MaxInt32-1 {
		t.Errorf("got %d", got)
	}
	if _, ok := r.Find(-1); ok {
		t.Error("find(-1) found something")
	}
}

func BenchmarkIdrAllocFind(b *testing.B) {
	for _, n := range []int{1e3, 1e4, 1e5, 1e6} {
		b.Run(itoa(n), func(b *testing.B) {
			var r IDR[int]
			for i := 1; i <= n; i++ {
				r.Insert(int32(i), i)
			}
			next := int32(n + 1)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				id := r.LowestFree(uint32(next))
				r.Insert(int32(id), i)
				if _, ok := r.Find(int32(id) - int32(n/2)); !ok {
					b.Fatal("lost an id")
				}
				r.Remove(int32(id))
			}
		})
	}
}

func itoa(n int) string {
	s := ""
	for n > 0 {
		s = string(rune('0'+n%10)) + s
		n /= 10
	}
	return s
}

// TestAllocCyclic: ids go up from the cursor, wrap to the lowest free id
// >= 1 past Max, and SetCursor moves the start.
func TestAllocCyclic(t *testing.T) {
	var r IDR[int]
	for want := int32(1); want <= 3; want++ {
		if got := r.AllocCyclic(0); got != want {
			t.Fatalf("AllocCyclic = %d, want %d", got, want)
		}
	}
	r.Remove(1)
	if got := r.AllocCyclic(0); got != 4 {
		t.Fatalf("AllocCyclic after removing 1 = %d, want 4 (cyclic)", got)
	}
	r.SetCursor(Max)
	if got := r.AllocCyclic(0); got != Max {
		t.Fatalf("AllocCyclic at the cursor Max = %d", got)
	}
	if got := r.AllocCyclic(0); got != 1 {
		t.Fatalf("AllocCyclic past Max = %d, want the wrap to 1", got)
	}
	if got := r.AllocCyclic(0); got != 5 {
		t.Fatalf("AllocCyclic after the wrap = %d, want 5", got)
	}
}
