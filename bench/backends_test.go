package bench

import (
	"testing"

	"github.com/inosim/inosim/internal/personality"
	"github.com/inosim/inosim/sim"
)

// BenchmarkChurnBackends is the churn workload on today's backend
// (personality linux: packages fsnotify and inotifyfs) and on the seeds'
// backend (package inotify), in one process, so that the two can be
// compared on the same workload (benchstat-friendly: -count 6). The seeds'
// backend runs under today's VFS and hooks (a copy of personality linux
// with BackendHandle and 2.6.25's queue rules, which merge at the tail as
// today's do), so that only the backend differs: personality linux-2.6.25
// itself would also bring 2.6.25's VFS order and hooks.
func BenchmarkChurnBackends(b *testing.B) {
	w, _ := Lookup("churn")
	seed := *personality.Linux
	seed.Backend = personality.BackendHandle
	seed.Merge, seed.ReadTooSmall = personality.Linux2625.Merge, personality.Linux2625.ReadTooSmall
	for _, checks := range []bool{false, true} {
		mode := "checks=off"
		if checks {
			mode = "checks=on"
		}
		for _, c := range []struct {
			name string
			p    *personality.P
		}{{"today", personality.Linux}, {"seed", &seed}} {
			b.Run(c.name+"/"+mode, func(b *testing.B) {
				r, err := runSim(w, b.N, sim.WithChecks(checks), sim.WithPersonality(c.p))
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(r.OpsPerSec(), "ops/s")
			})
		}
	}
}
