// Command inosim replays scenario files in the simulator and on the host's
// real kernel, checks transcripts, and compares the two.
//
//	inosim run [--kernel] [--format=transcript|inotifywait|json] [--trace=locks,refs] [--schedule TOKEN] FILE...
//	inosim explore [--strategy=random|pct|dfs] [--runs N] [--preemptions K] [--seed S] FILE
//	inosim check [-update] FILE...
//	inosim diff FILE...
//	inosim help
//
// Exit status: 0 success, 1 a mismatch (check, diff) or a simulator
// self-check failure, 2 a usage, parse or environment error.
package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/inosim/inosim/hostkernel"
	"github.com/inosim/inosim/internal/personality"
	"github.com/inosim/inosim/uapi"
)

const usage = `usage:
  inosim run [--kernel] [--format=transcript|inotifywait|json] [--trace=locks,refs]
            [--schedule TOKEN] [--bug NAME]... FILE...
        replay in the simulator (or, with --kernel, as real system calls on the
        host kernel, as root) and print the transcript with actual results;
        --schedule runs a concurrent file's schedule from inosim explore;
        --bug puts a historical bug back (as a file's "bug NAME" line)
  inosim explore [--strategy=random|pct|dfs] [--runs N] [--preemptions K] [--seed S]
            [--bug NAME]... FILE
        run a file with threads or processes under many schedules of the
        deterministic scheduler; print each distinct outcome with its count and
        replay token, then every report; exit 1 on a report or an outcome the
        file's outcome lines do not allow
  inosim check [-update] [--bug NAME]... FILE...
        replay in the simulator; fail with a unified diff unless the transcript
        equals the file; -update writes the transcript back
  inosim diff FILE...
        replay in the simulator and on the kernel; print a unified diff of the
        two transcripts (nothing, exit 0, when they agree)
  inosim bench [--kernel] [--n N] [--runs R] [WORKLOAD...]
        run the standard workloads (churn, fanout, wide, overflow) in the
        simulator with checks off and on and, with --kernel, on the host
        kernel; one key=value line per workload and checking mode, the
        median of R runs (default 3); churn and fanout also run on today's
        backend and the seeds' in turns (backend_vs_seeds: today's time per
        operation over the seeds')
  inosim help
        this text

FILE may be - (or /dev/stdin) for standard input.
Exit status: 0 success, 1 mismatch, 2 usage, parse or environment error.
`

// helpText is the usage and the personalities a scenario may name.
func helpText() string {
	var b strings.Builder
	b.WriteString(usage)
	b.WriteString("\nPersonalities (a scenario's \"personality NAME\" line):\n")
	for _, n := range uapi.Personalities() {
		fmt.Fprintf(&b, "  %-14s %s\n", n, uapi.PersonalityAbout(n))
	}
	b.WriteString("\nHistorical bugs (a scenario's \"bug NAME\" line, or --bug NAME; docs/bugs.md):\n")
	for _, bi := range personality.Bugs() {
		fmt.Fprintf(&b, "  %-22s %s\n  %-22s fixed by %s; personality %s\n", bi.Name, bi.About, "",
			bi.Commit, strings.Join(personality.WithBackend(bi.Backends), ", "))
	}
	return b.String()
}

// Exit statuses.
const (
	exitOK       = 0
	exitMismatch = 1
	exitUsage    = 2
)

func main() {
	hostkernel.RunChildIfRequested()
	os.Exit(realMain(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

func (e *env) errorf(format string, a ...any) {
	fmt.Fprintf(e.stderr, "inosim: "+format+"\n", a...)
}

func realMain(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	switch args[0] {
	case "run":
		return cmdRun(e, args[1:])
	case "check":
		return cmdCheck(e, args[1:])
	case "diff":
		return cmdDiff(e, args[1:])
	case "bench":
		return cmdBench(e, args[1:])
	case "explore":
		return cmdExplore(e, args[1:])
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, helpText())
		return exitOK
	}
	e.errorf("unknown command %q", args[0])
	fmt.Fprint(stderr, usage)
	return exitUsage
}
