package examples_test

import (
	"os"
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
			buggy := parse(t, "bugs/"+bi.Name+".scen")
			fixed := parse(t, "bugs/"+bi.Name+"-fixed.scen")
			if bs := buggy.Bugs(); len(bs) != 1 || bs[0].Bug != bi.Name {
				t.Errorf("%s.scen: bug lines %v, want one: bug %s", bi.Name, bs, bi.Name)
			}
			if len(fixed.Bugs()) != 0 {
				t.Errorf("%s-fixed.scen has bug lines", bi.Name)
			}
			if a, b := commands(buggy), commands(fixed); a != b || buggy.Personality != fixed.Personality {
				t.Errorf("the pair differs in more than the bug line:\n%s", scenario.Diff("bug", a, "fixed", b))
			}
			rb, err := simrun.Run(buggy, simrun.Options{})
			if err != nil {
				t.Fatal(err)
			}
			rf, err := simrun.Run(fixed, simrun.Options{})
			if err != nil {
				t.Fatal(err)
			}
			same := scenario.Print(buggy, rb.Outcomes) == scenario.Print(buggy, rf.Outcomes) &&
				len(rb.Expected) == 0 && len(buggy.Outcomes()) == len(fixed.Outcomes())
			if same {
				t.Errorf("the bug changes nothing the file shows")
			}
		})
	}
}

func parse(t *testing.T, name string) *scenario.File {
	t.Helper()
	src, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	f, err := scenario.Parse(name, src)
	if err != nil {
		t.Fatal(err)
	}
	return f
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
