package examples_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/inosim/inosim/internal/personality"
	"github.com/inosim/inosim/scenario"
	"github.com/inosim/inosim/simrun"
	"github.com/inosim/inosim/simtest"
)

// TestBugExamples: every bug switch has its pair in bugs/: NAME.scen puts
// the bug back and shows its symptom (its transcript, expect lines for
// the checkers' reports, or outcome lines for a race), NAME-fixed.scen
// makes the same calls on the kernel as it is (for personality linux,
// "inosim diff" compares it with the host). Both pass check, and the bug
// changes what the file shows: its transcript, outcomes or reports.
func TestBugExamples(t *testing.T) {
	files, err := filepath.Glob("bugs/*.scen")
	if err != nil {
		t.Fatal(err)
	}
	simtest.CheckFiles(t, files, " (see docs/bugs.md)")
	for _, bi := range personality.Bugs() {
		t.Run(bi.Name, func(t *testing.T) {
			buggy := simtest.ParseFile(t, "bugs/"+bi.Name+".scen")
			fixed := simtest.ParseFile(t, "bugs/"+bi.Name+"-fixed.scen")
			if bs := buggy.Bugs(); len(bs) != 1 || bs[0].Bug != bi.Name {
				t.Errorf("%s.scen: bug lines %v, want one: bug %s", bi.Name, bs, bi.Name)
			}
			if len(fixed.Bugs()) != 0 {
				t.Errorf("%s-fixed.scen has bug lines", bi.Name)
			}
			if a, b := commands(buggy), commands(fixed); a != b || buggy.Personality != fixed.Personality {
				t.Errorf("the pair differs in more than the bug line:\n%s", scenario.Diff("bug", a, "fixed", b))
			}
			if shows(t, buggy) == shows(t, fixed) {
				t.Errorf("the bug changes nothing the file shows")
			}
		})
	}
}

// shows is what a check of f looks at: the transcript and the reports its
// expect lines met; for a concurrent file, every schedule's outcome and
// the reports met in any of them.
func shows(t *testing.T, f *scenario.File) string {
	t.Helper()
	var b strings.Builder
	if f.Concurrent() {
		ex, err := simrun.Explore(f, simrun.ExploreOptions{Strategy: "dfs", Preemptions: simrun.CheckPreemptions, Runs: 1 << 20})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range ex.Outcomes {
			b.WriteString("outcome " + o.Signature + "\n")
		}
		for _, r := range ex.Expected {
			b.WriteString("report " + r.Text + "\n")
		}
		return b.String()
	}
	res, err := simrun.Run(f, simrun.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.SplitAfter(scenario.Print(f, res.Outcomes), "\n") {
		if t := strings.TrimSpace(l); t != "" && !strings.HasPrefix(t, "#") && !strings.HasPrefix(t, "bug ") &&
			!strings.HasPrefix(t, "expect ") {
			b.WriteString(l) // the calls and their results, not the comments and headers
		}
	}
	for _, r := range res.Expected {
		b.WriteString("report " + r + "\n")
	}
	return b.String()
}

// commands is f's calls, one per line, without results.
func commands(f *scenario.File) string {
	var b strings.Builder
	for _, l := range f.Lines {
		if l.Kind == scenario.CommandLine || l.Kind == scenario.TaskLine || l.Kind == scenario.SysctlLine {
			b.WriteString(strings.TrimSpace(strings.SplitN(l.Text, "=>", 2)[0]) + "\n")
		}
	}
	return b.String()
}
