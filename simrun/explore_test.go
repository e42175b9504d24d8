package simrun_test

import (
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/inosim/inosim/inotify"
	"github.com/inosim/inosim/internal/sched"
	"github.com/inosim/inosim/scenario"
	"github.com/inosim/inosim/simrun"
	"github.com/inosim/inosim/simtest"
)

// replay runs f under the schedule of tok and returns its transcript.
func replay(t *testing.T, f *scenario.File, tok string) (string, *simrun.Result) {
	t.Helper()
	sw, err := sched.ParseToken(tok)
	if err != nil {
		t.Fatal(err)
	}
	rp := sched.NewReplay(sw)
	res, err := simrun.Run(f, simrun.Options{Strategy: rp})
	if err != nil {
		t.Fatal(err)
	}
	if msg := rp.Finish(); msg != "" {
		t.Fatalf("%s: %s", tok, msg)
	}
	if res.Schedule != tok {
		t.Errorf("replay of %s ran %s", tok, res.Schedule)
	}
	return scenario.Print(f, res.Outcomes), res
}

// TestExploreRaces is the acceptance of issue 14's two races: rm_watch
// against close, and unlink of a watched file against close. The
// exhaustive search with at most two preemptions finishes, finds no
// report, and gives the outcomes the files list; each outcome's token
// replays to the same transcript, twice.
func TestExploreRaces(t *testing.T) {
	for _, name := range []string{"../examples/concurrent/rm-watch-vs-close.scen", "../examples/concurrent/unlink-vs-close.scen"} {
		f := simtest.ParseFile(t, name)
		ex, err := simrun.Explore(f, simrun.ExploreOptions{Strategy: "dfs", Preemptions: 2, Runs: 1 << 20})
		if err != nil {
			t.Fatal(err)
		}
		if !ex.Complete || ex.Failed() || len(ex.Reports) > 0 {
			t.Fatalf("%s: complete %v, failed %v, reports %d", name, ex.Complete, ex.Failed(), len(ex.Reports))
		}
		if len(ex.Outcomes) != len(f.Outcomes()) {
			t.Errorf("%s: %d outcomes, the file lists %d", name, len(ex.Outcomes), len(f.Outcomes()))
		}
		t.Logf("%s: %d schedules, %d outcomes", name, ex.Schedules, len(ex.Outcomes))
		for _, o := range ex.Outcomes {
			a, res := replay(t, f, o.Token)
			b, _ := replay(t, f, o.Token)
			if a != b {
				t.Errorf("%s: token %s gave two transcripts:\n%s\n%s", name, o.Token, a, b)
			}
			if got := scenario.Signature(f, res.Outcomes); got != o.Signature {
				t.Errorf("%s: token %s replayed to %q, explored %q", name, o.Token, got, o.Signature)
			}
		}
	}
}

// TestExploreFindsDeadlock: with inotify_rm_wd's lock order inverted (a
// planted bug), the search finds schedules that deadlock, reports both
// tasks' held and wanted locks, and lockdep's possible circular locking
// dependency for the same pair of classes is among the reports; the
// deadlock's token replays to the deadlock.
func TestExploreFindsDeadlock(t *testing.T) {
	inotify.InvertRmWdLockOrder(true)
	defer inotify.InvertRmWdLockOrder(false)
	f := simtest.ParseFile(t, "testdata/inverted-rm-wd.scen")
	ex, err := simrun.Explore(f, simrun.ExploreOptions{Strategy: "dfs", Preemptions: 2, Runs: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	if !ex.Failed() {
		t.Fatal("no report with the lock order inverted")
	}
	var deadlock, circular *simrun.ExploredReport
	for _, r := range ex.Reports {
		switch {
		case strings.Contains(r.Text, "WARNING: deadlock: every task is blocked"):
			deadlock = r
		case strings.Contains(r.Text, "WARNING: possible circular locking dependency detected"):
			circular = r
		default:
			t.Errorf("unexpected report:\n%s", r.Text)
		}
	}
	if deadlock == nil || circular == nil {
		t.Fatalf("want a deadlock and a circular dependency report, got %d reports", len(ex.Reports))
	}
	for _, want := range []string{
		"task/2 is blocked trying to acquire lock:\n  (inode->inotify_mutex#3)",
		"which is held by task/3.",
		"1 lock held by task/2:\n #0: (ih->mutex#1)",
		"task/3 is blocked trying to acquire lock:\n  (ih->mutex#1)",
		"which is held by task/2.",
		" #1: (inode->inotify_mutex#3)",
		"       task/2                        task/3\n",
		"  lock(ih->mutex);\n",
		"                                     lock(inode->inotify_mutex);\n",
		" *** DEADLOCK ***",
	} {
		if !strings.Contains(deadlock.Text, want) {
			t.Errorf("deadlock report lacks %q:\n%s", want, deadlock.Text)
		}
	}
	for _, want := range []string{"trying to acquire lock:\n  (inode->inotify_mutex#3)", "already holding lock:\n  (ih->mutex#1)"} {
		if !strings.Contains(circular.Text, want) {
			t.Errorf("circular report lacks %q:\n%s", want, circular.Text)
		}
	}
	var dl *simrun.ExploredOutcome
	for _, o := range ex.Outcomes {
		if strings.Contains(o.Signature, scenario.Deadlock) {
			dl = o
		}
	}
	if dl == nil {
		t.Fatal("no outcome shows DEADLOCK")
	}
	_, res := replay(t, f, dl.Token)
	if res.Deadlock == nil || len(res.Deadlock.Threads) != 2 {
		t.Fatalf("token %s did not replay to the deadlock: %v", dl.Token, res.Deadlock)
	}
	t.Logf("%d schedules; deadlock first at %s:\n%s", ex.Schedules, deadlock.Token, deadlock.Text)
}

// TestExploreStrategies: random and pct runs are reproducible from their
// seed and find the rm_watch race's two outcomes.
func TestExploreStrategies(t *testing.T) {
	f := simtest.ParseFile(t, "../examples/concurrent/rm-watch-vs-close.scen")
	for _, st := range []string{"random", "pct"} {
		var prev []string
		for range 2 {
			ex, err := simrun.Explore(f, simrun.ExploreOptions{Strategy: st, Runs: 200, Preemptions: 2, Seed: 5})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, o := range ex.Outcomes {
				got = append(got, o.Signature, o.Token)
			}
			if prev != nil && strings.Join(prev, "|") != strings.Join(got, "|") {
				t.Errorf("%s, seed 5: %v then %v", st, prev, got)
			}
			prev = got
			if ex.Failed() || len(ex.Outcomes) != 2 {
				t.Errorf("%s: failed %v, %d outcomes", st, ex.Failed(), len(ex.Outcomes))
			}
		}
	}
}

// TestExploreSameUnderGOMAXPROCS: in-process, an exploration gives the
// same outcomes, counts, tokens and reports with GOMAXPROCS 1 and 2.
func TestExploreSameUnderGOMAXPROCS(t *testing.T) {
	f := simtest.ParseFile(t, "../examples/concurrent/unlink-vs-close.scen")
	dump := func() string {
		var b strings.Builder
		for _, st := range []string{"dfs", "random", "pct"} {
			ex, err := simrun.Explore(f, simrun.ExploreOptions{Strategy: st, Runs: 300, Preemptions: 2, Seed: 3})
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, "%s %d %v\n", st, ex.Schedules, ex.Complete)
			for _, o := range ex.Outcomes {
				fmt.Fprintf(&b, "%s %d %s\n", o.Signature, o.Count, o.Token)
			}
			for _, r := range ex.Reports {
				fmt.Fprintf(&b, "%d %s %s\n", r.Count, r.Token, r.Text)
			}
		}
		return b.String()
	}
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	one := dump()
	runtime.GOMAXPROCS(2)
	two := dump()
	if one != two {
		t.Fatalf("GOMAXPROCS 1:\n%s\nGOMAXPROCS 2:\n%s", one, two)
	}
}
