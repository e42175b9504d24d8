package main

import (
	"fmt"
	"os"
	"runtime"
	"strings"

	"github.com/inosim/inosim/scenario"
	"github.com/inosim/inosim/simrun"
)

func cmdExplore(e *env, args []string) int {
	fs := newFlags(e, "explore")
	strategy := fs.String("strategy", "dfs", "random, pct or dfs")
	runs := fs.Int("runs", 0, "schedules to run (dfs: at most); default 1000, for dfs 100000")
	preemptions := fs.Int("preemptions", 2, "dfs: preemptions per schedule at most; pct: the depth less one")
	seed := fs.Uint64("seed", 1, "random and pct: the seed")
	bugs := bugFlag(fs)
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if fs.NArg() != 1 {
		e.errorf("explore: want one FILE")
		return exitUsage
	}
	if *runs < 0 || *preemptions < 0 {
		e.errorf("explore: --runs and --preemptions must not be negative")
		return exitUsage
	}
	if *runs == 0 {
		*runs = 1000
		if *strategy == "dfs" {
			*runs = 100000
		}
	}
	name := fs.Arg(0)
	f, _, ok := load(e, name)
	if !ok {
		return exitUsage
	}
	// One simulated thread runs at a time: with one P the hand-offs
	// between their goroutines stay on one OS thread, about twice as fast
	// on a small machine. The output does not depend on it, and an
	// explicit GOMAXPROCS in the environment is left alone.
	if os.Getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(1)
	}
	ex, err := simrun.Explore(f, simrun.ExploreOptions{Strategy: *strategy, Runs: *runs, Preemptions: *preemptions, Seed: *seed, Bugs: *bugs})
	if err != nil {
		e.errorf("%v", err)
		return exitUsage
	}
	printExplored(e, name, f, ex, *preemptions, *seed)
	if ex.Failed() {
		return exitMismatch
	}
	return exitOK
}

// printExplored prints what explore found: a summary line, each distinct
// outcome with its count, replay token and transcript excerpt, then each
// distinct report with the token of the first schedule that made it.
func printExplored(e *env, name string, f *scenario.File, ex *simrun.Explored, preemptions int, seed uint64) {
	w := e.stdout
	how := ""
	switch ex.Strategy {
	case "dfs":
		how = fmt.Sprintf("dfs, at most %d preemption%s", preemptions, plural(preemptions))
	case "pct":
		how = fmt.Sprintf("pct, depth %d, seed %d", preemptions+1, seed)
	default:
		how = fmt.Sprintf("random, seed %d", seed)
	}
	done := ""
	if ex.Complete {
		done = " (all of them)"
	}
	fmt.Fprintf(w, "%s: %s: %d schedule%s%s, %d outcome%s, %d report%s\n", name, how,
		ex.Schedules, plural(ex.Schedules), done, len(ex.Outcomes), plural(len(ex.Outcomes)),
		len(ex.Reports), plural(len(ex.Reports)))
	for _, o := range ex.Outcomes {
		fmt.Fprintf(w, "\noutcome %s\n", scenario.Quote(o.Signature))
		fmt.Fprintf(w, "  %d of %d schedules; replay: inosim run --schedule %s %s\n", o.Count, ex.Schedules, o.Token, name)
		if !o.Allowed {
			fmt.Fprintf(w, "  NOT ALLOWED: the file's outcome lines do not list it\n")
		}
		for _, l := range strings.SplitAfter(strings.TrimSuffix(o.Excerpt, "\n"), "\n") {
			fmt.Fprintf(w, "    %s", l)
		}
		fmt.Fprintln(w)
	}
	for i, r := range ex.Reports {
		fmt.Fprintf(w, "\nreport %d: %d of %d schedules; first: inosim run --schedule %s %s\n%s", i+1, r.Count, ex.Schedules, r.Token, name, r.Text)
		if !strings.HasSuffix(r.Text, "\n") {
			fmt.Fprintln(w)
		}
	}
	for _, r := range ex.Expected {
		first, _, _ := strings.Cut(r.Text, "\n")
		fmt.Fprintf(w, "\nexpected report: %d of %d schedules; first: inosim run --schedule %s %s\n  %s\n", r.Count, ex.Schedules, r.Token, name, first)
	}
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
