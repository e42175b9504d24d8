package main

import (
	"fmt"
	"sort"
	"strconv"

	"github.com/inosim/inosim/bench"
	"github.com/inosim/inosim/hostkernel"
	"github.com/inosim/inosim/internal/personality"
)

// cmdBench runs the standard workloads in the simulator (checks off and on)
// and, with --kernel, on the host kernel, printing one key=value line per
// workload and checking mode. A churn-shaped workload is also run on
// today's backend and the seeds' in turns (bench.CompareBackends), for
// the figures backend_ops_per_s, seeds_backend_ops_per_s and
// backend_vs_seeds (today's time per operation over the seeds').
func cmdBench(e *env, args []string) int {
	fs := newFlags(e, "bench")
	kernel := fs.Bool("kernel", false, "also run each workload on the host kernel (root)")
	n := fs.Int("n", 0, "workload size (default: each workload's own)")
	runs := fs.Int("runs", 3, "runs of each measurement; the median is printed")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	ws := bench.Workloads
	if fs.NArg() > 0 {
		ws = nil
		for _, name := range fs.Args() {
			w, err := bench.Lookup(name)
			if err != nil {
				e.errorf("bench: %v", err)
				return exitUsage
			}
			ws = append(ws, w)
		}
	}
	if *kernel {
		if err := hostkernel.Available(); err != nil {
			e.errorf("%v", err)
			return exitUsage
		}
	}
	if *runs < 1 {
		e.errorf("bench: --runs must be at least 1")
		return exitUsage
	}
	for _, w := range ws {
		size := w.DefaultN
		if *n > 0 {
			size = *n
		}
		var kr *bench.Result
		if *kernel {
			r, err := bench.Median(*runs, func() (bench.Result, error) { return bench.RunKernel(w, size) })
			if err != nil {
				e.errorf("bench %s on the kernel: %v", w.Name, err)
				return exitUsage
			}
			kr = &r
		}
		for _, checks := range []bool{false, true} {
			simN := size
			if !checks {
				simN = size * w.SimScale
			}
			r, err := bench.Median(*runs, func() (bench.Result, error) { return bench.RunSim(w, simN, checks) })
			if err != nil {
				e.errorf("bench %s in the simulator: %v", w.Name, err)
				return exitMismatch
			}
			mode := "off"
			if checks {
				mode = "on"
			}
			pairs := []string{"workload=" + w.Name, "checks=" + mode, "runs=" + strconv.Itoa(*runs), "n=" + strconv.Itoa(simN),
				fmt.Sprintf("sim_ops_per_s=%.0f", r.OpsPerSec())}
			if kr != nil {
				pairs = append(pairs, "kernel_n="+strconv.Itoa(size),
					fmt.Sprintf("kernel_ops_per_s=%.0f", kr.OpsPerSec()),
					fmt.Sprintf("ratio=%.2f", r.OpsPerSec()/kr.OpsPerSec()))
			}
			pairs = append(pairs, fmt.Sprintf("events_per_s=%.0f", r.EventsPerSec()))
			if w.Churn > 0 {
				today, seeds, err := compareBackends(w, simN, checks, *runs)
				if err != nil {
					e.errorf("bench %s, backends in turns: %v", w.Name, err)
					return exitMismatch
				}
				pairs = append(pairs, fmt.Sprintf("backend_ops_per_s=%.0f", today.OpsPerSec()),
					fmt.Sprintf("seeds_backend_ops_per_s=%.0f", seeds.OpsPerSec()),
					fmt.Sprintf("backend_vs_seeds=%.3f", seeds.OpsPerSec()/today.OpsPerSec()))
			}
			extra := map[string]float64{}
			for k, v := range r.Extra {
				extra[k] = v
			}
			if kr != nil {
				for k, v := range kr.Extra {
					extra["kernel_"+k] = v
				}
			}
			fmt.Fprintln(e.stdout, bench.Line(pairs, extra))
		}
	}
	if *kernel {
		if sizes, err := bench.SlabSizes(); err == nil && len(sizes) > 0 {
			extra := map[string]float64{}
			for k, v := range sizes {
				extra[k] = float64(v)
			}
			fmt.Fprintln(e.stdout, bench.Line([]string{"kernel_slab_object_bytes:"}, extra))
		}
	}
	return exitOK
}

// compareBackends runs w on today's backend (personality linux) and the
// seeds' (bench.SeedsBackend) in turns, runs times, and returns the pair
// whose ratio is the median.
func compareBackends(w bench.Workload, n int, checks bool, runs int) (today, seeds bench.Result, err error) {
	type pair struct{ today, seeds bench.Result }
	ps := make([]pair, 0, runs)
	for i := 0; i < runs; i++ {
		rs, err := bench.CompareBackends(w, n, checks, personality.Linux, bench.SeedsBackend())
		if err != nil {
			return today, seeds, err
		}
		ps = append(ps, pair{rs[0], rs[1]})
	}
	ratio := func(p pair) float64 { return p.seeds.OpsPerSec() / p.today.OpsPerSec() }
	sort.Slice(ps, func(i, j int) bool { return ratio(ps[i]) < ratio(ps[j]) })
	m := ps[len(ps)/2]
	return m.today, m.seeds, nil
}
