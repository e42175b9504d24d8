package proptest

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"pgregory.net/rapid"

	"github.com/inosim/inosim/internal/personality"
	"github.com/inosim/inosim/scenario"
	"github.com/inosim/inosim/simrun"
	"github.com/inosim/inosim/simtest"
)

// The mutation campaign (make bugs): each historical bug switch is put
// back in turn and the project's own tests are run against it, to see
// which of them notice. Off by default: it takes minutes.
var (
	flagBugCampaign  = flag.Bool("proptest.bugcampaign", false, "TestBugCampaign: run the tests against each historical bug switch (make bugs)")
	flagBugModelMax  = flag.Int("proptest.bugmodelsteps", 60000, "TestBugCampaign: model steps per bug at most")
	flagBugKernelMax = flag.Int("proptest.bugscenarios", 300, "TestBugCampaign: kernel scenarios per bug at most")
	flagBugReport    = flag.String("proptest.bugreport", "", "TestBugCampaign: also write its table to this file")
)

// corpus is every checked-in scenario the project's tests check, the
// bugs' own examples left out (they were written for the bugs; the point
// is whether the rest would have caught them).
func corpus(t *testing.T) []string {
	var files []string
	for _, g := range []string{"../examples/*.scen", "../examples/concurrent/*.scen", "../sim/testdata/*.scen",
		"../sim/testdata/personality/*.scen"} {
		m, err := filepath.Glob(g)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	return files
}

// campaignResult is what one campaign did against one bug: "-" when it
// cannot run the bug's personality, else whether it failed and after how
// much work.
type campaignResult struct {
	ran    bool
	caught bool
	work   string
}

func (c campaignResult) String() string {
	switch {
	case !c.ran:
		return "-"
	case c.caught:
		return "caught (" + c.work + ")"
	}
	return "missed (" + c.work + ")"
}

// TestBugCampaign runs, for each bug switch: the model campaign
// (simulator vs model, personality linux only) until the first
// difference, the kernel campaign (simulator vs host kernel) likewise,
// the checked-in scenarios of the bug's personalities (transcripts,
// expect lines, and for concurrent files every schedule's outcome), and
// prints the table docs/testing.md shows, ending with "bugs: caught=N of
// M". A bug no campaign catches fails the test.
func TestBugCampaign(t *testing.T) {
	if !*flagBugCampaign {
		t.Skip("the mutation campaign runs with -proptest.bugcampaign (make bugs)")
	}
	for k, v := range map[string]string{"rapid.nofailfile": "true", "rapid.steps": "100", "rapid.shrinktime": "1ms", "rapid.seed": "1", "rapid.checks": "50"} {
		f := flag.Lookup(k)
		old := f.Value.String()
		_ = f.Value.Set(v)
		defer func() { _ = f.Value.Set(old) }()
	}
	files := corpus(t)
	kernelErr := kernelOK()
	bugs := personality.Bugs()
	caught := 0
	var rows []string
	for _, bi := range bugs {
		pers := personality.WithBackend(bi.Backends)
		var model, kern campaignResult
		if slices.Contains(pers, personality.Linux.Name) {
			p, err := personality.Linux.WithBug(bi.Name)
			if err != nil {
				t.Fatal(err)
			}
			model = huntModel(p, int64(*flagBugModelMax))
			if kernelErr == nil {
				kern = huntKernel(p, int64(*flagBugKernelMax))
			}
		}
		scen, expl := huntCorpus(t, files, bi.Name, pers)
		any := model.caught || kern.caught || scen.caught || expl.caught
		if any {
			caught++
		} else {
			t.Errorf("bug %s: no campaign caught it", bi.Name)
		}
		rows = append(rows, fmt.Sprintf("| `%s` | %s | %s | %s | %s | %s |", bi.Name, model, kern, scen, expl, map[bool]string{true: "yes", false: "**no**"}[any]))
	}
	out := []string{"| bug | model campaign | kernel campaign | scenarios (check) | explorer (concurrent scenarios) | caught |", "|---|---|---|---|---|---|"}
	out = append(out, rows...)
	if kernelErr != nil {
		out = append(out, "", "kernel campaign skipped: "+kernelErr.Error())
	}
	out = append(out, "", fmt.Sprintf("bugs: caught=%d of %d", caught, len(bugs)))
	table := strings.Join(out, "\n") + "\n"
	fmt.Print(table)
	if *flagBugReport != "" {
		if err := os.WriteFile(*flagBugReport, []byte(table), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// seedRound gives rapid the seed of round n: the rounds explore different
// sequences, and every bug gets the same ones (a deterministic table).
func seedRound(n int) { _ = flag.Lookup("rapid.seed").Value.Set(fmt.Sprint(n + 1)) }

// huntModel runs the model campaign with p until its first difference or
// max steps.
func huntModel(p *personality.P, max int64) campaignResult {
	var steps, at atomic.Int64
	for round := 0; steps.Load() < max; round++ {
		seedRound(round)
		rec := &simtest.Recorder{Label: "TestBugCampaign/model"}
		rapid.Check(rec, modelProp(p, &steps, func(string) { at.CompareAndSwap(0, steps.Load()) }))
		if rec.Failed() || at.Load() != 0 {
			return campaignResult{ran: true, caught: true, work: fmt.Sprintf("%d steps", at.Load())}
		}
	}
	return campaignResult{ran: true, work: fmt.Sprintf("%d steps", steps.Load())}
}

// huntKernel runs the kernel campaign with p until its first difference
// or max scenarios.
func huntKernel(p *personality.P, max int64) campaignResult {
	var n, at atomic.Int64
	for round := 0; n.Load() < max; round++ {
		seedRound(round)
		rec := &simtest.Recorder{Label: "TestBugCampaign/kernel"}
		rapid.Check(rec, kernelProp(p, 150, &n, func(string) { at.CompareAndSwap(0, n.Load()) }))
		if rec.Failed() || at.Load() != 0 {
			return campaignResult{ran: true, caught: true, work: fmt.Sprintf("%d scenarios", at.Load())}
		}
	}
	return campaignResult{ran: true, work: fmt.Sprintf("%d scenarios", n.Load())}
}

// huntCorpus checks every file of the bug's personalities with the bug
// put back: the sequential ones as check does (transcript, expect lines),
// the concurrent ones as the explorer does (every schedule with at most
// two preemptions against the outcome and expect lines). Each campaign
// caught the bug when one of its files fails.
func huntCorpus(t *testing.T, files []string, bug string, pers []string) (scen, expl campaignResult) {
	var nScen, failScen, nExpl, failExpl, schedules int
	for _, name := range files {
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := scenario.Parse(name, src)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(pers, f.Personality) || len(f.Bugs()) > 0 {
			continue
		}
		if f.Concurrent() {
			nExpl++
			ex, err := simrun.Explore(f, simrun.ExploreOptions{Strategy: "dfs", Preemptions: simrun.CheckPreemptions, Runs: 1 << 20, Bugs: []string{bug}})
			if err != nil {
				t.Fatal(err)
			}
			schedules += ex.Schedules
			if ex.Failed() {
				failExpl++
			}
			continue
		}
		nScen++
		res, err := simrun.Run(f, simrun.Options{Bugs: []string{bug}})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Problems) > 0 || !scenario.Equal(string(src), scenario.Print(f, res.Outcomes)) {
			failScen++
		}
	}
	if nScen > 0 {
		scen = campaignResult{ran: true, caught: failScen > 0, work: fmt.Sprintf("%d of %d files fail", failScen, nScen)}
	}
	if nExpl > 0 {
		expl = campaignResult{ran: true, caught: failExpl > 0, work: fmt.Sprintf("%d of %d files fail, %d schedules", failExpl, nExpl, schedules)}
	}
	return scen, expl
}
