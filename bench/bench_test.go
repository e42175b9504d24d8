package bench

import (
	"os"
	"testing"

	"github.com/inosim/inosim/hostkernel"
)

func TestMain(m *testing.M) {
	hostkernel.RunChildIfRequested()
	os.Exit(m.Run())
}

// wantEvents is what each workload must read back at the sizes below: the
// same on the simulator and the kernel.
var sizes = []struct {
	workload string
	n        int
	events   int
}{
	{"churn", 100, 7 * 100},        // CREATE OPEN MODIFY CLOSE_WRITE MOVED_FROM MOVED_TO DELETE
	{"fanout", 10, 7 * 10 * 64},    // the same on 64 instances
	{"wide", 100, 10},              // ten IN_ATTRIB on their own watches
	{"overflow", 17000, 16384 + 1}, // max_queued_events, then one IN_Q_OVERFLOW
}

func TestWorkloadsAgree(t *testing.T) {
	kernelErr := hostkernel.Available()
	for _, s := range sizes {
		w, err := Lookup(s.workload)
		if err != nil {
			t.Fatal(err)
		}
		for _, checks := range []bool{false, true} {
			r, err := RunSim(w, s.n, checks)
			if err != nil {
				t.Fatalf("%s sim checks=%v: %v", s.workload, checks, err)
			}
			if r.Events != s.events || r.Ops == 0 || r.Elapsed <= 0 {
				t.Errorf("%s sim checks=%v: %d events, %d ops; want %d events", s.workload, checks, r.Events, r.Ops, s.events)
			}
		}
		if kernelErr != nil {
			continue
		}
		r, err := RunKernel(w, s.n)
		if err != nil {
			t.Fatalf("%s kernel: %v", s.workload, err)
		}
		if r.Events != s.events {
			t.Errorf("%s kernel: %d events, want %d", s.workload, r.Events, s.events)
		}
	}
	if kernelErr != nil {
		t.Skipf("kernel half skipped: %v", kernelErr)
	}
}

// BenchmarkMemory reports the simulator's bytes per watch and per queued
// event (targets: ≤ 256 and ≤ 64 + name; docs/performance.md).
func BenchmarkMemory(b *testing.B) {
	b.Run("per_watch", func(b *testing.B) {
		w, _ := Lookup("wide")
		for i := 0; i < b.N; i++ {
			r, err := RunSim(w, 100000, false)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(r.Extra["bytes_per_watch"], "bytes/watch")
		}
	})
	b.Run("per_event", func(b *testing.B) {
		w, _ := Lookup("overflow")
		for i := 0; i < b.N; i++ {
			r, err := RunSim(w, 17000, false)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(r.Extra["bytes_per_event"], "bytes/event")
		}
	})
}

// BenchmarkChurn is the churn workload, checks off and on, as ops/s.
func BenchmarkChurn(b *testing.B) {
	w, _ := Lookup("churn")
	for _, checks := range []bool{false, true} {
		name := "checks=off"
		if checks {
			name = "checks=on"
		}
		b.Run(name, func(b *testing.B) {
			r, err := RunSim(w, b.N, checks)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(r.OpsPerSec(), "ops/s")
		})
	}
}
