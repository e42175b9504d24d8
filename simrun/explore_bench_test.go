package simrun_test

import (
	"testing"

	"github.com/inosim/inosim/internal/sched"
	"github.com/inosim/inosim/simrun"
	"github.com/inosim/inosim/simtest"
)

// benchSchedules runs one schedule of the two-thread, two-call race
// (rm_watch against close, after three set-up calls) per iteration, each
// in a fresh kernel as explore does, and reports schedules per second.
func benchSchedules(b *testing.B, newStrategy func() sched.Strategy, next func(sched.Strategy) sched.Strategy) {
	f := simtest.ParseFile(b, "../examples/concurrent/rm-watch-vs-close.scen")
	st := newStrategy()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if s, ok := st.(sched.Starter); ok {
			s.StartRun()
		}
		res, err := simrun.Run(f, simrun.Options{Strategy: st})
		if err != nil || len(res.Problems) > 0 {
			b.Fatal(err, res.Problems)
		}
		st = next(st)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "schedules/s")
}

func BenchmarkScheduleRandom(b *testing.B) {
	benchSchedules(b, func() sched.Strategy { return sched.NewRandom(1) },
		func(st sched.Strategy) sched.Strategy { return st })
}

// BenchmarkScheduleDFS walks the search with at most two preemptions,
// starting it again when it is complete.
func BenchmarkScheduleDFS(b *testing.B) {
	benchSchedules(b, func() sched.Strategy { return sched.NewDFS(2) },
		func(st sched.Strategy) sched.Strategy {
			if st.(*sched.DFS).Next() {
				return st
			}
			return sched.NewDFS(2)
		})
}
