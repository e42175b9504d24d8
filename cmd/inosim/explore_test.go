package main

import (
	"regexp"
	"strings"
	"testing"
)

const raceFile = "../../examples/concurrent/rm-watch-vs-close.scen"

// TestExploreDeterministic: the same explore invocation gives
// byte-identical output every time, with GOMAXPROCS=1 and with
// GOMAXPROCS=2, for each strategy.
func TestExploreDeterministic(t *testing.T) {
	for _, args := range [][]string{
		{"explore", raceFile},
		{"explore", "--strategy=random", "--runs", "200", "--seed", "9", raceFile},
		{"explore", "--strategy=pct", "--runs", "200", "--seed", "9", raceFile},
	} {
		var first string
		for _, procs := range []string{"1", "2", "1", "2"} {
			r := inosim(t, "", []string{"GOMAXPROCS=" + procs}, args...)
			r.want(t, 0, strings.Join(args, " "))
			if first == "" {
				first = r.stdout
			} else if r.stdout != first {
				t.Fatalf("%v with GOMAXPROCS=%s differs:\n%s\nthen\n%s", args, procs, first, r.stdout)
			}
		}
	}
}

// TestExploreAndReplay: explore lists each outcome with a replay command;
// run --schedule of that token prints a transcript whose results are that
// outcome's; check of the file (which lists its outcomes) passes.
func TestExploreAndReplay(t *testing.T) {
	r := inosim(t, "", nil, "explore", raceFile)
	r.want(t, 0, "explore")
	if !regexp.MustCompile(`: dfs, at most 2 preemptions: \d+ schedules \(all of them\), 2 outcomes, 0 reports`).MatchString(r.stdout) {
		t.Errorf("summary:\n%s", r.stdout)
	}
	tokens := regexp.MustCompile(`--schedule (s\S*) `).FindAllStringSubmatch(r.stdout, -1)
	if len(tokens) != 2 {
		t.Fatalf("want two replay tokens:\n%s", r.stdout)
	}
	var outs []string
	for _, m := range tokens {
		run := inosim(t, "", nil, "run", "--schedule", m[1], raceFile)
		run.want(t, 0, "run --schedule "+m[1])
		outs = append(outs, run.stdout)
	}
	if outs[0] == outs[1] || !strings.Contains(outs[1], "A: inotify_rm_watch i w => EBADF") {
		t.Errorf("the two outcomes' transcripts:\n%s\n%s", outs[0], outs[1])
	}
	inosim(t, "", nil, "check", raceFile).want(t, 0, "check")
	bad := inosim(t, "", nil, "run", "--schedule", "s999b", raceFile)
	bad.want(t, 2, "run --schedule of a token that does not fit")
	if !strings.Contains(bad.stderr, "the run ended before the schedule's decision 999") {
		t.Errorf("stderr: %s", bad.stderr)
	}
	inosim(t, "", nil, "run", "--schedule", "sx", raceFile).want(t, 2, "a bad token")
	inosim(t, "", nil, "run", "--schedule", "s", "../../examples/01-first-watch.scen").want(t, 2, "--schedule of a file without threads")
	inosim(t, "", nil, "explore", "../../examples/01-first-watch.scen").want(t, 2, "explore of a file without threads")
}

// TestCheckOutcomeSet: check of a concurrent file fails, naming the
// outcome, when a schedule gives an outcome its outcome lines omit, and
// when a line names an outcome no schedule gives.
func TestCheckOutcomeSet(t *testing.T) {
	src := `mkdir /d
i = inotify_init
w = inotify_add_watch i /d IN_CREATE
thread A
thread B
A: inotify_rm_watch i w
B: close i
outcome "ok ok"
outcome "EINVAL ok"
`
	r := inosim(t, src, nil, "check", "-")
	r.want(t, 1, "check of a wrong outcome set")
	for _, want := range []string{`-: outcome "EBADF ok" is not in the file`, `-: outcome "EINVAL ok": no schedule with at most 2 preemptions gives it`} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	e := inosim(t, src, nil, "explore", "-")
	e.want(t, 1, "explore of a file whose outcome lines omit one")
	if !strings.Contains(e.stdout, "NOT ALLOWED") {
		t.Errorf("explore:\n%s", e.stdout)
	}
}
