package scenario

import (
	"testing"
)

func runSimText(t *testing.T, name, src string) (string, *SimResult) {
	t.Helper()
	f, err := Parse(name, []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	res, err := RunSim(f, SimOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range res.Problems {
		t.Errorf("simulator self-check: %s", p)
	}
	return Print(f, res.Outcomes), res
}

func TestSpecExampleRunsAsWritten(t *testing.T) {
	spec := fixedPoints["spec example"] // docs/scenarios.md's complete example
	got, _ := runSimText(t, "spec.scen", spec)
	if !Equal(got, spec) {
		t.Errorf("transcript differs:\n%s", Diff("want", spec, "got", got))
	}
}

// TestRunIsAFixedPoint: the transcript of a file without results, run
// again, is unchanged.
func TestRunIsAFixedPoint(t *testing.T) {
	src := `mkdir /d
i = inotify_init
w = inotify_add_watch i /d IN_ALL_EVENTS|IN_ONESHOT
mkdir /d/sub
read i
rmdir /d/sub
read i
inotify_rm_watch i w
close i
`
	first, _ := runSimText(t, "fp.scen", src)
	second, _ := runSimText(t, "fp.scen", first)
	if !Equal(first, second) {
		t.Errorf("not a fixed point:\n%s", Diff("first", first, "second", second))
	}
	t.Log(first)
}
