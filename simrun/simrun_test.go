package simrun_test

import (
	"testing"

	"github.com/inosim/inosim/scenario"
	"github.com/inosim/inosim/simrun"
)

func runSimText(t *testing.T, name, src string) (string, *simrun.Result) {
	t.Helper()
	f, err := scenario.Parse(name, []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	res, err := simrun.Run(f, simrun.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range res.Problems {
		t.Errorf("simulator self-check: %s", p)
	}
	return scenario.Print(f, res.Outcomes), res
}

// specExample is the scenario spec's example, as the simulator prints it.
const specExample = `personality linux
mkdir /d
i = inotify_init IN_NONBLOCK
w = inotify_add_watch i /d IN_ALL_EVENTS
creat /d/a
rename /d/a /d/b
inotify_add_watch i /missing IN_CREATE => ENOENT
read i
  w IN_CREATE a
  w IN_OPEN a
  w IN_CLOSE_WRITE a
  w IN_MOVED_FROM cookie=c1 a
  w IN_MOVED_TO cookie=c1 b
fionread i => 0
`

func TestSpecExampleRunsAsWritten(t *testing.T) {
	got, _ := runSimText(t, "spec.scen", specExample)
	if !scenario.Equal(got, specExample) {
		t.Errorf("transcript differs:\n%s", scenario.Diff("want", specExample, "got", got))
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
	if !scenario.Equal(first, second) {
		t.Errorf("not a fixed point:\n%s", scenario.Diff("first", first, "second", second))
	}
	t.Log(first)
}

// TestCheck: a file that replays as written has no diff; one whose
// expectation is wrong has one, and neither has checker problems.
func TestCheck(t *testing.T) {
	c, err := simrun.Check("spec.scen", []byte(specExample))
	if err != nil || c.Diff != "" || len(c.Problems) != 0 {
		t.Fatalf("Check(spec example) = %+v, %v", c, err)
	}
	c, err = simrun.Check("bad.scen", []byte("mkdir /d => EEXIST\n"))
	if err != nil || c.Diff == "" || c.Transcript != "mkdir /d\n" {
		t.Errorf("Check(wrong expectation) = %+v, %v", c, err)
	}
	if _, err := simrun.Check("illumos.scen", []byte("personality illumos\nmkdir /d\n")); err == nil {
		t.Error("Check of an unmodelled personality succeeded")
	}
}
