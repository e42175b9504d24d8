package bench

import (
	"errors"
	"testing"

	"github.com/inosim/inosim/internal/personality"
	"github.com/inosim/inosim/sim"
)

// runSimWith is RunSim with the personality p.
func runSimWith(w Workload, n int, checks bool, p *personality.P) (Result, error) {
	k := sim.NewKernel(sim.WithChecks(checks), sim.WithPersonality(p))
	if err := k.SetSysctl("max_user_watches", int64(n)+1024); err != nil {
		return Result{}, err
	}
	r, err := w.Run(simFS{k.NewTask(0, 0)}, n)
	if probs := k.Shutdown(); err == nil && len(probs) > 0 {
		err = errors.New(probs[0])
	}
	return r, err
}

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
				r, err := runSimWith(w, b.N, checks, c.p)
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(r.OpsPerSec(), "ops/s")
			})
		}
	}
}
