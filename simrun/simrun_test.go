package simrun_test

import (
	"os"
	"strings"
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

// specExample reads the scenario spec's example, as the simulator prints
// it (scenario's tests check that it is a printing fixed point).
func specExample(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../scenario/testdata/spec-example.scen")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestSpecExampleRunsAsWritten(t *testing.T) {
	spec := specExample(t)
	got, _ := runSimText(t, "spec.scen", spec)
	if !scenario.Equal(got, spec) {
		t.Errorf("transcript differs:\n%s", scenario.Diff("want", spec, "got", got))
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
	c, err := simrun.Check("spec.scen", []byte(specExample(t)))
	if err != nil || c.Diff != "" || len(c.Problems) != 0 {
		t.Fatalf("Check(spec example) = %+v, %v", c, err)
	}
	c, err = simrun.Check("bad.scen", []byte("mkdir /d => EEXIST\n"))
	if err != nil || c.Diff == "" || c.Transcript != "mkdir /d\n" {
		t.Errorf("Check(wrong expectation) = %+v, %v", c, err)
	}
	c, err = simrun.Check("illumos.scen", []byte("personality illumos\nmkdir /d\n"))
	if err != nil || c.Diff != "" || len(c.Problems) != 0 {
		t.Errorf("Check(illumos) = %+v, %v", c, err)
	}
}

// TestExpectLines: an expect line turns a matching checker report into an
// expected one, and an expect line that nothing matches is a problem.
func TestExpectLines(t *testing.T) {
	for _, tc := range []struct {
		name, src          string
		problems, expected int
	}{
		{"clean, nothing expected", "mkdir /d\n", 0, 0},
		{"expected but clean", "expect \"leaked with count\"\nmkdir /d\n", 1, 0},
	} {
		f, err := scenario.Parse(tc.name, []byte(tc.src))
		if err != nil {
			t.Fatal(err)
		}
		res, err := simrun.Run(f, simrun.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Problems) != tc.problems || len(res.Expected) != tc.expected {
			t.Errorf("%s: problems %q, expected %q", tc.name, res.Problems, res.Expected)
		}
	}
}

// TestBugLineErrors: a bug the personalities never had, or one the file's
// personality's code never had, is an error at its bug line; --bug's
// names the flag.
func TestBugLineErrors(t *testing.T) {
	for _, c := range []struct {
		src   string
		extra []string
		want  string
	}{
		{"bug no-such-bug\nmkdir /a\n", nil, `t.scen:1:5: unknown bug "no-such-bug" (known: head-merge,`},
		{"personality linux-2.6.18\n\nbug wd-reuse\nmkdir /a\n", nil, "t.scen:3:5: bug wd-reuse is not in personality linux-2.6.18's code"},
		{"personality illumos\nbug head-merge\n", nil, "t.scen:2:5: bug head-merge is not in personality illumos's code"},
		{"mkdir /a\n", []string{"oneshot-unmount"}, "--bug oneshot-unmount: bug oneshot-unmount is not in personality linux's code"},
	} {
		f, err := scenario.Parse("t.scen", []byte(c.src))
		if err != nil {
			t.Fatal(err)
		}
		_, err = simrun.Run(f, simrun.Options{Bugs: c.extra})
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%q: %v, want %s…", c.src, err, c.want)
		}
	}
}

// TestConcurrentExpect: in a concurrent file an expect line says some
// schedule makes the report: met by one schedule, the file is clean;
// met by none, check says so.
func TestConcurrentExpect(t *testing.T) {
	src, err := os.ReadFile("../examples/bugs/cve-2008-5182.scen")
	if err != nil {
		t.Fatal(err)
	}
	c, err := simrun.Check("cve.scen", src)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Problems) > 0 || len(c.Outcomes) > 0 || c.Diff != "" {
		t.Errorf("met by some schedules: problems %q, outcomes %q, diff %s", c.Problems, c.Outcomes, c.Diff)
	}
	never := strings.Replace(string(src), `expect "busy after unmount"`, `expect "no such report"`, 1)
	c, err = simrun.Check("cve.scen", []byte(never))
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, o := range c.Outcomes {
		found = found || strings.Contains(o, `expected a report containing "no such report"; none was made in any schedule`)
	}
	if !found {
		t.Errorf("an expect no schedule meets: outcomes %q", c.Outcomes)
	}
}
