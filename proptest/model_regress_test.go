package proptest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/inosim/inosim/proptest/model"
	"github.com/inosim/inosim/scenario"
)

// TestModelRegressions: each testdata/model/*.scen is a case the model once
// got wrong, with the kernel's transcript; the model must now print it as
// written.
func TestModelRegressions(t *testing.T) {
	files, _ := filepath.Glob("testdata/model/*.scen")
	if len(files) == 0 {
		t.Fatal("no model regressions")
	}
	for _, name := range files {
		t.Run(filepath.Base(name), func(t *testing.T) {
			src, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			f, err := scenario.Parse(name, src)
			if err != nil {
				t.Fatal(err)
			}
			got := scenario.Print(f, scenario.Run(f, model.New()))
			if !scenario.Equal(string(src), got) {
				t.Errorf("model differs from the kernel:\n%s", scenario.Diff(name, string(src), "model", got))
			}
		})
	}
}
