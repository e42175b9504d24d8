package bench

import (
	"errors"
	"fmt"
	"time"

	"github.com/inosim/inosim/internal/personality"
	"github.com/inosim/inosim/sim"
)

// SeedsBackend is personality linux running on the seeds' backend (seeds
// 001/002: struct inotify_handle and the device) with 2.6.25's queue
// rules, which merge at the tail as today's kernel does. Only the backend
// differs from personality linux: personality linux-2.6.25 itself would
// also bring 2.6.25's VFS order and hooks, and it has no inotify_init1,
// which the workloads use.
func SeedsBackend() *personality.P {
	p := *personality.Linux
	p.Backend = personality.BackendHandle
	p.Merge, p.ReadTooSmall = personality.Linux2625.Merge, personality.Linux2625.ReadTooSmall
	return &p
}

// turn is the rounds each kernel runs before the next takes over in
// CompareBackends: long enough to warm the caches, short enough (a few
// hundred microseconds) that a busy spell of the machine falls on every
// kernel alike.
const turn = 100

// CompareBackends runs the churn-shaped workload w (Workload.Churn) for n
// rounds on one simulated kernel per personality, in turns of a few
// rounds each, and returns each kernel's result, timed over its own turns
// only. Separate runs one after the other compare the machine's moods as
// much as the kernels; taking turns compares the kernels.
func CompareBackends(w Workload, n int, checks bool, ps ...*personality.P) ([]Result, error) {
	if w.Churn == 0 {
		return nil, fmt.Errorf("workload %s cannot be run in turns", w.Name)
	}
	ks := make([]*sim.Kernel, len(ps))
	cs := make([]*churner, len(ps))
	elapsed := make([]time.Duration, len(ps))
	for i, p := range ps {
		ks[i] = sim.NewKernel(sim.WithChecks(checks), sim.WithPersonality(p))
		if err := ks[i].SetSysctl("max_user_watches", int64(n)+1024); err != nil {
			return nil, err
		}
		c, err := startChurn(simFS{ks[i].NewTask(0, 0)}, w.Churn)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", p.Name, err)
		}
		cs[i] = c
	}
	for done, t := 0, 0; done < n; done, t = done+turn, t+1 {
		m := min(turn, n-done)
		for j := range ps {
			i := (t + j) % len(ps) // each kernel goes first in turn
			start := time.Now()
			err := cs[i].rounds(m)
			elapsed[i] += time.Since(start)
			if err != nil {
				return nil, err
			}
		}
	}
	rs := make([]Result, len(ps))
	for i := range ps {
		start := time.Now()
		err := cs[i].drain()
		elapsed[i] += time.Since(start)
		if err != nil {
			return nil, err
		}
		rs[i] = cs[i].finish()
		rs[i].Elapsed = elapsed[i]
		if probs := ks[i].Shutdown(); len(probs) > 0 {
			return nil, errors.New(probs[0])
		}
	}
	return rs, nil
}
