package bench

import (
	"testing"

	"github.com/inosim/inosim/internal/personality"
	"github.com/inosim/inosim/sim"
)

// BenchmarkChurnBackends is churn and fanout on today's backend
// (personality linux: packages fsnotify and inotifyfs) and on the seeds'
// backend (SeedsBackend: package inotify under the same VFS and hooks),
// taking turns in one process (CompareBackends), with checks off and on.
// It reports each one's time per operation and today's as a fraction of
// the seeds' (below 1: today's is faster).
func BenchmarkChurnBackends(b *testing.B) {
	for _, name := range []string{"churn", "fanout"} {
		w, _ := Lookup(name)
		for _, checks := range []bool{false, true} {
			mode := "checks=off"
			if checks {
				mode = "checks=on"
			}
			b.Run(name+"/"+mode, func(b *testing.B) {
				rs, err := CompareBackends(w, b.N, checks, personality.Linux, SeedsBackend())
				if err != nil {
					b.Fatal(err)
				}
				today, seeds := 1e9/rs[0].OpsPerSec(), 1e9/rs[1].OpsPerSec()
				b.ReportMetric(today, "today-ns/op")
				b.ReportMetric(seeds, "seeds-ns/op")
				b.ReportMetric(today/seeds, "today/seeds")
			})
		}
	}
}

// TestCompareBackends: both kernels run every round and read back every
// event (seven a round), whatever the backend.
func TestCompareBackends(t *testing.T) {
	w, _ := Lookup("churn")
	for _, checks := range []bool{false, true} {
		rs, err := CompareBackends(w, 250, checks, personality.Linux, SeedsBackend())
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range rs {
			if r.Ops != 5*250 || r.Events != 7*250 || r.Elapsed <= 0 {
				t.Errorf("checks=%v kernel %d: %d ops, %d events, %v; want 1250 ops, 1750 events", checks, i, r.Ops, r.Events, r.Elapsed)
			}
		}
	}
	if _, err := CompareBackends(Workloads[2], 10, false, personality.Linux); err == nil {
		t.Error("CompareBackends ran wide, which has no rounds")
	}
}

// BenchmarkChurnEach runs churn and fanout on each backend alone, checks
// off: for profiles of one backend (its time is the machine's as much as
// the backend's: compare with BenchmarkChurnBackends).
func BenchmarkChurnEach(b *testing.B) {
	for _, name := range []string{"churn", "fanout"} {
		w, _ := Lookup(name)
		for _, c := range []struct {
			name string
			p    *personality.P
		}{{"today", personality.Linux}, {"seeds", SeedsBackend()}} {
			b.Run(name+"/"+c.name, func(b *testing.B) {
				r, err := runSim(w, b.N, sim.WithChecks(false), sim.WithPersonality(c.p))
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(1e9/r.OpsPerSec(), "op-ns")
			})
		}
	}
}
