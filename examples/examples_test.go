// Package examples_test checks every example scenario the way "inosim check"
// does, in-process: the simulator's transcript of each examples/*.scen must
// equal the file (whose results came from the real kernel), with no lockdep
// report and no leaked object at shutdown. So "make test" covers the
// examples without root; "inosim diff examples/*.scen" compares them with
// the host kernel.
package examples_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/inosim/inosim/simtest"
)

func TestExamples(t *testing.T) {
	files, err := filepath.Glob("*.scen")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 30 {
		t.Fatalf("found %d examples, want at least 30", len(files))
	}
	simtest.CheckFiles(t, files, " (fix the simulator, or regenerate with inosim run --kernel)")
}

// TestFirstWatchExists: the README's first command runs this file.
func TestFirstWatchExists(t *testing.T) {
	if _, err := os.Stat("01-first-watch.scen"); err != nil {
		t.Fatal(err)
	}
}

// TestConcurrentExamples: the races of concurrent/ replay as written under
// the default schedule, and every schedule with at most two preemptions
// gives one of the outcomes each lists, with no report.
func TestConcurrentExamples(t *testing.T) {
	files, err := filepath.Glob("concurrent/*.scen")
	if err != nil {
		t.Fatal(err)
	}
	simtest.CheckFiles(t, files, " (see docs/explore.md)")
}
