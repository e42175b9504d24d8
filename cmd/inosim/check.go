package main

import (
	"fmt"
	"os"

	"github.com/inosim/inosim/hostkernel"
	"github.com/inosim/inosim/scenario"
	"github.com/inosim/inosim/simrun"
)

func cmdCheck(e *env, args []string) int {
	fs := newFlags(e, "check")
	update := fs.Bool("update", false, "write the transcript back into each file")
	bugs := bugFlag(fs)
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if fs.NArg() == 0 {
		e.errorf("check: no FILE")
		return exitUsage
	}
	status := exitOK
	for _, name := range fs.Args() {
		f, src, outs, st := loadAndSimulate(e, name, *bugs)
		if st == exitUsage {
			return exitUsage
		}
		status = max(status, st)
		if f.Concurrent() && len(f.Outcomes()) > 0 {
			diffs, err := simrun.CheckOutcomes(f, *bugs)
			if err != nil {
				e.errorf("%v", err)
				return exitUsage
			}
			for _, d := range diffs {
				fmt.Fprintf(e.stdout, "%s: %s\n", name, d)
				status = exitMismatch
			}
		}
		got := scenario.Print(f, outs)
		if scenario.Equal(string(src), got) {
			continue
		}
		if *update && name != "-" {
			if err := os.WriteFile(name, []byte(got), 0o644); err != nil {
				e.errorf("%v", err)
				return exitUsage
			}
			continue
		}
		fmt.Fprint(e.stdout, scenario.Diff(name, string(src), name+" (simulator)", got))
		status = exitMismatch
	}
	return status
}

func cmdDiff(e *env, args []string) int {
	fs := newFlags(e, "diff")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if fs.NArg() == 0 {
		e.errorf("diff: no FILE")
		return exitUsage
	}
	if err := hostkernel.Available(); err != nil {
		e.errorf("%v", err)
		return exitUsage
	}
	status := exitOK
	for _, name := range fs.Args() {
		f, _, simOuts, st := loadAndSimulate(e, name, nil)
		if st == exitUsage {
			return exitUsage
		}
		status = max(status, st)
		kOuts, ok := onKernel(e, f, false)
		if !ok {
			return exitUsage
		}
		a, b := scenario.Print(f, simOuts), scenario.Print(f, kOuts)
		if d := scenario.Diff("simulator/"+name, a, "kernel/"+name, b); d != "" {
			fmt.Fprint(e.stdout, d)
			status = exitMismatch
		}
	}
	return status
}

// loadAndSimulate loads and parses name and runs it in the simulator, as
// check and diff both do; its status is simulate's, or exitUsage when the
// file cannot be loaded.
func loadAndSimulate(e *env, name string, bugs []string) (*scenario.File, []byte, []scenario.Outcome, int) {
	f, src, ok := load(e, name)
	if !ok {
		return nil, nil, nil, exitUsage
	}
	outs, st := simulate(e, f, simrun.Options{Bugs: bugs}, false)
	return f, src, outs, st
}
