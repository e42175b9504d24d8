package proptest

import (
	"flag"
	"os"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/inosim/inosim/hostkernel"
	"github.com/inosim/inosim/internal/personality"
	"github.com/inosim/inosim/scenario"
	"github.com/inosim/inosim/simtest"
)

// buggy is today's Linux with the injected bug: coalescing against the
// oldest queued event instead of the newest (personality.BugHeadMerge).
func buggy() *personality.P {
	p, err := personality.Linux.WithBug("head-merge")
	if err != nil {
		panic(err)
	}
	return p
}

// catch runs prop under a recorder until it fails (a few rounds at most)
// and returns the last failing scenario, the shrunk one.
func catch(t *testing.T, name, steps, seed, shrink string, prop func(hook func(string)) func(*rapid.T)) string {
	t.Helper()
	// The injected bug must not leave fail files behind.
	// Longer sequences find it sooner; the seed makes the search repeatable.
	for k, v := range map[string]string{"rapid.nofailfile": "true", "rapid.steps": steps, "rapid.shrinktime": shrink, "rapid.seed": seed} {
		f := flag.Lookup(k)
		old := f.Value.String()
		_ = f.Value.Set(v)
		defer func() { _ = f.Value.Set(old) }()
	}
	var minimal string
	rounds := 1
	if *flagBugSeeds == "random" {
		seed, rounds = "0", 10
	}
	for round := 0; round < rounds && minimal == ""; round++ {
		rec := &simtest.Recorder{Label: name}
		rapid.Check(rec, prop(func(src string) { minimal = src }))
		if !rec.Failed() {
			minimal = ""
		} else if minimal == "" {
			t.Fatalf("%s failed for another reason:\n%s", name, rec.Output())
		} else if i := strings.Index(rec.Output(), "-rapid.seed="); i >= 0 {
			t.Logf("caught after %d rounds; %s", round, strings.Fields(rec.Output()[i:])[0])
		}
	}
	if minimal == "" {
		t.Fatalf("%s: the injected bug (merge against the oldest event) was not caught", name)
	}
	return minimal
}

// Seeds that catch the injected bug in the first round; the search is
// deterministic from them. -proptest.bugseeds=random searches afresh.
var (
	modelBugSeed  = "18067561293367944856"
	kernelBugSeed = "13749780497225538925"
	flagBugSeeds  = flag.String("proptest.bugseeds", "fixed", "fixed or random: seeds of TestInjectedBugCaught")
	flagBugKernel = flag.Bool("proptest.bugkernel", false, "TestInjectedBugCaught searches and shrinks on the kernel (about 4 minutes), and on the model under -race, instead of replaying the saved minimal scenarios")
)

// TestInjectedBugCaught proves the tests find a real semantic bug: with
// merging against the head of the queue instead of the tail, both the
// model test and the kernel test fail and shrink to at most 8 commands.
// The minimal scenario fails with the bug and passes without it.
func TestInjectedBugCaught(t *testing.T) {
	bug := buggy()
	check := func(t *testing.T, src string, judge func(f *scenario.File) string) {
		t.Helper()
		t.Logf("minimal scenario (%d commands):\n%s", countCommands(src), src)
		if n := countCommands(src); n > 8 {
			t.Errorf("minimal scenario has %d commands, want at most 8", n)
		}
		f, err := scenario.Parse("min.scen", []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		want := judge(f)
		for _, c := range []struct {
			p    *personality.P
			fail bool
		}{{bug, true}, {personality.Linux, false}} {
			simT, _, _, err := transcripts(src, c.p)
			if err != nil {
				t.Fatal(err)
			}
			if differs := simT != want; differs != c.fail {
				t.Errorf("personality with bugs %v: differs=%v, want %v\n%s", c.p.BugNames(), differs, c.fail, scenario.Diff("want", want, "sim", simT))
			}
		}
	}
	t.Run("model", func(t *testing.T) {
		var src string
		if raceEnabled && !*flagBugKernel {
			// Under the race detector the search and its shrinking take
			// minutes; replay the minimal scenario they found.
			src = readScen(t, "testdata/injected-bug-model.scen")
		} else {
			src = catch(t, "TestInjectedBugCaught/model", "150", modelBugSeed, "60s", func(hook func(string)) func(*rapid.T) {
				return modelProp(bug, nil, hook)
			})
		}
		check(t, src, func(f *scenario.File) string {
			_, modT, _, _ := transcripts(src, personality.Linux)
			return modT
		})
	})
	t.Run("kernel", func(t *testing.T) {
		if err := kernelOK(); err != nil {
			t.Skip("host kernel runner unavailable: ", err)
		}
		var src string
		if *flagBugKernel {
			src = catch(t, "TestInjectedBugCaught/kernel", "150", kernelBugSeed, "4m", func(hook func(string)) func(*rapid.T) {
				return kernelProp(bug, 150, nil, hook)
			})
		} else {
			// The search and its shrinking take about four minutes on the
			// kernel (make proptest runs them, -proptest.bugkernel); here
			// the minimal scenario they found is replayed.
			src = readScen(t, "testdata/injected-bug-kernel.scen")
		}
		check(t, src, func(f *scenario.File) string {
			outs, err := hostkernel.Run(f)
			if err != nil {
				t.Fatal(err)
			}
			return scenario.Print(f, outs)
		})
	})
}

func readScen(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
