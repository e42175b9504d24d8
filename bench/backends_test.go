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
// backend (personality linux-2.6.25: package inotify), in one process, so
// that the two can be compared on the same workload (benchstat-friendly:
// -count 6). The eras' rules differ a little (the seeds merge an event
// into an identical IN_IGNORED, count the overflow event), not on churn's
// path, which queues, merges and reads the same events on both. churn
// opens its instance with inotify_init1(IN_NONBLOCK), which came with
// 2.6.27: the seeds' run allows it (Init1 is the system call's existence,
// not the backend's).
func BenchmarkChurnBackends(b *testing.B) {
	w, _ := Lookup("churn")
	seed := *personality.Linux2625
	seed.Init1 = true
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
