package vmem

import "testing"

func allocN(t *testing.T, a *Arena, n int) []uint64 {
	t.Helper()
	var out []uint64
	for i := 0; i < n; i++ {
		id, err := a.Alloc()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, id)
	}
	return out
}

// TestIdentifierOrder: ids come from 1 upward; an isolated freed id comes
// back before the untouched rest, the one freed last first (freelists are
// LIFO); adjacent freed ids coalesce and are handed out from their start.
func TestIdentifierOrder(t *testing.T) {
	a := Create("inotify_watchid_1", 1, 1<<32-1)
	if got := allocN(t, a, 6); got[0] != 1 || got[5] != 6 {
		t.Fatalf("first ids %v", got)
	}
	a.Free(2)
	a.Free(5)
	if got := allocN(t, a, 3); got[0] != 5 || got[1] != 2 || got[2] != 7 {
		t.Errorf("after freeing 2 then 5: %v, want [5 2 7]", got)
	}
	a.Free(3)
	a.Free(4)
	if got := allocN(t, a, 3); got[0] != 3 || got[1] != 4 || got[2] != 8 {
		t.Errorf("after freeing 3 and 4 (one segment): %v, want [3 4 8]", got)
	}
	a.Free(8)
	a.Free(7)
	if got := allocN(t, a, 1); got[0] != 7 {
		t.Errorf("7 and 8 coalesce with the rest of the span: got %v, want [7]", got)
	}
	if n := a.InUse(); n != 7 {
		t.Errorf("in use %d, want 7", n)
	}
	if n := a.Destroy(); n != 7 {
		t.Errorf("Destroy reports %d leaked, want 7", n)
	}
}

func TestExhausted(t *testing.T) {
	a := Create("small", 1, 2)
	allocN(t, a, 2)
	if _, err := a.Alloc(); err != ErrNoSpace {
		t.Fatalf("alloc from a full arena: %v", err)
	}
	a.Free(1)
	if got := allocN(t, a, 1); got[0] != 1 {
		t.Errorf("got %v", got)
	}
}

func TestBadFreePanics(t *testing.T) {
	a := Create("x", 1, 10)
	defer func() {
		if recover() == nil {
			t.Error("freeing an id never allocated did not panic")
		}
	}()
	a.Free(3)
}
