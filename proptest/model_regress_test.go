package proptest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/inosim/inosim/proptest/model"
	"github.com/inosim/inosim/scenario"
)

// kernelTranscripts are simulator regressions (kernel transcripts under
// sim/testdata) made only of what the model covers, and which it once got
// wrong too: the model is held to them where they are, not to a copy.
var kernelTranscripts = []string{
	"16-name-max-walk.scen",
	"17-name-max-create.scen",
	"20-name-max-dead-dir.scen",
	"21-rename-flags-trailing-slash.scen",
	"22-dead-dir-lookup-first.scen",
}

// TestModelRegressions: each testdata/model/*.scen is a case the model once
// got wrong, with the kernel's transcript, and so is each of
// kernelTranscripts; the model must now print it as written.
func TestModelRegressions(t *testing.T) {
	files, _ := filepath.Glob("testdata/model/*.scen")
	if len(files) == 0 {
		t.Fatal("no model regressions")
	}
	for _, name := range kernelTranscripts {
		files = append(files, filepath.Join("..", "sim", "testdata", name))
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
