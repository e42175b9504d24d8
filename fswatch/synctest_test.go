package fswatch

import (
	"testing"
	"testing/synctest"

	"github.com/inosim/inosim/sim"
	"github.com/inosim/inosim/simtest"
	"github.com/inosim/inosim/unixsim"
)

// TestInBubble: a Watcher over a kernel made inside a synctest bubble;
// synctest.Wait is the point where the reader has delivered every event,
// and Close stops it before the bubble ends.
func TestInBubble(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		k := sim.NewKernel()
		defer simtest.CheckClean(t, k)
		task := k.NewTask(0, 0)
		if err := task.Mkdir("/w", 0o755); err != nil {
			t.Fatal(err)
		}
		sys := unixsim.New(task)
		w, err := NewBufferedWatcher(sys, 16)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Add("/w"); err != nil {
			t.Fatal(err)
		}
		sys.Mkdir("/w/a", 0o755)
		sys.Rename("/w/a", "/w/b")
		synctest.Wait()
		var got []string
		for len(w.Events) > 0 {
			got = append(got, (<-w.Events).String())
		}
		want := []string{`CREATE        "/w/a"`, `RENAME        "/w/a"`, `CREATE        "/w/b" ← "/w/a"`}
		if len(got) != len(want) {
			t.Fatalf("events %q, want %q", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("event %d: %s, want %s", i, got[i], want[i])
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	})
}
