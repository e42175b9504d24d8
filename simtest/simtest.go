package simtest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/inosim/inosim/scenario"
	"github.com/inosim/inosim/sim"
	"github.com/inosim/inosim/simrun"
)

// CheckClean shuts k down and fails tb with every problem Shutdown found.
func CheckClean(tb testing.TB, k *sim.Kernel) {
	tb.Helper()
	for _, p := range k.Shutdown() {
		tb.Error(p)
	}
}

// CheckFiles runs simrun.Check on each file as a subtest of t: the
// transcript must equal the file, and the simulator's checkers must find
// nothing. hint is added to a transcript difference (how to regenerate
// the file).
func CheckFiles(t *testing.T, files []string, hint string) {
	t.Helper()
	if len(files) == 0 {
		t.Fatal("no scenario files")
	}
	for _, name := range files {
		t.Run(filepath.Base(name), func(t *testing.T) {
			src, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			c, err := simrun.Check(name, src)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range c.Problems {
				t.Errorf("simulator self-check: %s", p)
			}
			for _, o := range c.Outcomes {
				t.Errorf("%s", o)
			}
			if c.Diff != "" {
				t.Errorf("transcript differs%s:\n%s", hint, c.Diff)
			}
		})
	}
}

// ParseFile reads and parses the scenario file name, failing t on an error.
func ParseFile(t testing.TB, name string) *scenario.File {
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
