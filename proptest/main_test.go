package proptest

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/inosim/inosim/hostkernel"
)

// Campaign sizes: make test runs the defaults; make proptest the long one.
var (
	flagSteps     = flag.Int("proptest.steps", 2000, "random steps simulator-vs-model (TestModelCampaign)")
	flagScenarios = flag.Int("proptest.scenarios", 30, "random scenarios simulator-vs-kernel (TestKernelCampaign)")
	flagSummary   = flag.String("proptest.summary", "", "also write the summary lines to this file")
)

// What the campaigns did, for the summary TestMain prints last.
var (
	modelSteps, modelDiffs       atomic.Int64
	kernelScenarios, kernelDiffs atomic.Int64
	kernelSkip                   atomic.Value // string: why the kernel campaign was skipped
	modelRan, kernelRan          atomic.Bool
	stressRuns, stressCalls      atomic.Int64 // completed clean runs and their calls
	stressRan                    atomic.Bool
)

func TestMain(m *testing.M) {
	hostkernel.RunChildIfRequested()
	code := m.Run()
	var lines []string
	if modelRan.Load() {
		lines = append(lines, fmt.Sprintf("model: steps=%d differences=%d", modelSteps.Load(), modelDiffs.Load()))
	}
	if s, ok := kernelSkip.Load().(string); ok && s != "" {
		lines = append(lines, "kernel: skipped ("+s+")")
	} else if kernelRan.Load() {
		lines = append(lines, fmt.Sprintf("kernel: scenarios=%d differences=%d", kernelScenarios.Load(), kernelDiffs.Load()))
	}
	if illumosRan.Load() {
		lines = append(lines, fmt.Sprintf("illumos: steps=%d clean=%v events offered=%d overflowed=%d merged=%d read=%d flushed=%d",
			illumosSteps.Load(), code == 0, illumosOffered.Load(), illumosOverflowed.Load(),
			illumosMerged.Load(), illumosRead.Load(), illumosFlushed.Load()))
	}
	if stressRan.Load() {
		lines = append(lines, fmt.Sprintf("stress: runs=%d calls=%d clean", stressRuns.Load(), stressCalls.Load()))
	}
	out := strings.Join(lines, "\n")
	if out != "" {
		fmt.Println(out)
		if *flagSummary != "" {
			_ = os.WriteFile(*flagSummary, []byte(out+"\n"), 0o644)
		}
	}
	os.Exit(code)
}

func flagLookup(name string) string {
	if f := flag.Lookup(name); f != nil {
		return f.Value.String()
	}
	return ""
}
