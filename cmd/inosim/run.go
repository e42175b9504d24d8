package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/inosim/inosim/hostkernel"
	"github.com/inosim/inosim/internal/kref"
	"github.com/inosim/inosim/internal/lockdep"
	"github.com/inosim/inosim/internal/sched"
	"github.com/inosim/inosim/scenario"
	"github.com/inosim/inosim/sim"
	"github.com/inosim/inosim/simrun"
	"github.com/inosim/inosim/uapi"
)

// load reads and parses a scenario file ("-" is standard input).
func load(e *env, name string) (*scenario.File, []byte, bool) {
	var src []byte
	var err error
	if name == "-" {
		src, err = io.ReadAll(e.stdin)
	} else {
		src, err = os.ReadFile(name)
	}
	if err != nil {
		e.errorf("%v", err)
		return nil, nil, false
	}
	f, err := scenario.Parse(name, src)
	if err != nil {
		fmt.Fprintln(e.stderr, err)
		return nil, nil, false
	}
	return f, src, true
}

// bugFlag registers --bug NAME, repeatable: historical bugs to put back
// (personality.Bugs), as a file's bug lines do.
func bugFlag(fs *flag.FlagSet) *[]string {
	var bugs []string
	fs.Func("bug", "put back the historical bug NAME (repeatable; inosim help lists them)", func(s string) error {
		bugs = append(bugs, s)
		return nil
	})
	return &bugs
}

func newFlags(e *env, name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() { fmt.Fprint(e.stderr, usage) }
	return fs
}

// simulate runs f in the simulator. Its status is exitUsage when f cannot
// run at all (a personality not modelled), exitMismatch when the kernel's
// checkers found problems (printed), exitOK otherwise. With oopses, the
// kernel's oops reports are printed too, as its log would show them: they
// are the modelled kernel's behaviour (the transcript's "=> OOPS"), not
// problems, and leave the status alone.
func simulate(e *env, f *scenario.File, opt simrun.Options, oopses bool) ([]scenario.Outcome, int) {
	res, err := simrun.Run(f, opt)
	if err != nil {
		e.errorf("%v", err)
		return nil, exitUsage
	}
	if oopses {
		for _, o := range res.Oopses {
			fmt.Fprintf(e.stderr, "%s: kernel oops:\n%s", f.Name, o)
		}
	}
	for _, p := range res.Problems {
		e.errorf("%s: simulator self-check failed:\n%s", f.Name, p)
	}
	if len(res.Problems) > 0 {
		return res.Outcomes, exitMismatch
	}
	return res.Outcomes, exitOK
}

// onKernel runs f on the host kernel; ok is false (and the reason printed)
// when it could not run there.
func onKernel(e *env, f *scenario.File, watchInfo bool) ([]scenario.Outcome, bool) {
	outs, err := hostkernel.RunWith(f, hostkernel.Options{WatchInfo: watchInfo})
	if err != nil {
		e.errorf("%s: %v", f.Name, err)
		return nil, false
	}
	return outs, true
}

func cmdRun(e *env, args []string) int {
	fs := newFlags(e, "run")
	kernel := fs.Bool("kernel", false, "run as real system calls on the host kernel")
	format := fs.String("format", "transcript", "transcript, inotifywait or json")
	trace := fs.String("trace", "", "locks,refs: trace lock and reference operations (simulator only)")
	schedule := fs.String("schedule", "", "replay token: the schedule of a concurrent file (from inosim explore)")
	bugs := bugFlag(fs)
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if fs.NArg() == 0 {
		e.errorf("run: no FILE")
		return exitUsage
	}
	switch *format {
	case "transcript", "inotifywait", "json":
	default:
		e.errorf("run: unknown --format %q", *format)
		return exitUsage
	}
	var traceLocks, traceRefs bool
	for _, t := range strings.FieldsFunc(*trace, func(r rune) bool { return r == ',' }) {
		switch t {
		case "locks":
			traceLocks = true
		case "refs":
			traceRefs = true
		default:
			e.errorf("run: unknown --trace %q (locks, refs)", t)
			return exitUsage
		}
	}
	if *kernel && (traceLocks || traceRefs) {
		e.errorf("run: --trace works in the simulator only")
		return exitUsage
	}
	if *kernel && len(*bugs) > 0 {
		e.errorf("run: --bug works in the simulator only")
		return exitUsage
	}
	if *kernel && *schedule != "" {
		e.errorf("run: --schedule works in the simulator only")
		return exitUsage
	}
	var sw []sched.Switch
	if *schedule != "" {
		var err error
		if sw, err = sched.ParseToken(*schedule); err != nil {
			e.errorf("run: --schedule: %v", err)
			return exitUsage
		}
	}
	if *kernel {
		if err := hostkernel.Available(); err != nil {
			e.errorf("%v", err)
			return exitUsage
		}
	}
	status := exitOK
	for _, name := range fs.Args() {
		f, _, ok := load(e, name)
		if !ok {
			return exitUsage
		}
		var outs []scenario.Outcome
		if *kernel {
			if outs, ok = onKernel(e, f, *format == "inotifywait"); !ok {
				return exitUsage
			}
		} else {
			opt := simrun.Options{WatchInfo: *format == "inotifywait", Bugs: *bugs}
			var replay *sched.Replay
			if *schedule != "" {
				if !f.Concurrent() {
					e.errorf("%s: --schedule: the file has no thread or process lines", name)
					return exitUsage
				}
				replay = sched.NewReplay(sw)
				opt.Strategy = replay
			}
			var traces map[int][]string
			if traceLocks || traceRefs {
				traces = map[int][]string{}
				installTrace(&opt, traces, traceLocks, traceRefs)
			}
			var st int
			switch outs, st = simulate(e, f, opt, true); st {
			case exitUsage:
				return exitUsage
			case exitMismatch:
				status = exitMismatch
			}
			if replay != nil {
				if msg := replay.Finish(); msg != "" {
					e.errorf("%s: --schedule %s: %s", name, *schedule, msg)
					return exitUsage
				}
			}
			for i := range outs {
				outs[i].Trace = traces[i]
			}
		}
		if len(fs.Args()) > 1 && *format == "transcript" {
			fmt.Fprintf(e.stdout, "# ==> %s <==\n", name)
		}
		switch *format {
		case "transcript":
			fmt.Fprint(e.stdout, scenario.Print(f, outs))
		case "inotifywait":
			printInotifywait(e.stdout, outs)
		case "json":
			printJSON(e.stdout, f, outs)
		}
	}
	return status
}

// installTrace files every lock and reference operation made while a
// command runs under that command (kernel start-up and shutdown are left
// out). In a concurrent block each task's operations go under the command
// that task is making, and each switch of the scheduler under the command
// of the task it switched from.
func installTrace(opt *simrun.Options, traces map[int][]string, locks, refs bool) {
	cur := -1
	cmdOf := map[string]int{} // task name → the command it is making
	var s *sched.Scheduler
	add := func(cmd int, line string) {
		if cmd >= 0 {
			traces[cmd] = append(traces[cmd], line)
		}
	}
	opt.Setup = func(k *sim.Kernel) {
		s = k.Sched()
		if locks {
			k.Validator().SetTrace(func(ev lockdep.TraceEvent) {
				if c, ok := cmdOf[ev.Task]; ok && s != nil && s.Running() {
					add(c, ev.String())
					return
				}
				add(cur, ev.String())
			})
		}
		if refs {
			k.Refs().SetTracing(true, func(en kref.Entry) { add(cur, en.String()) })
		}
		if s != nil {
			s.SetTrace(func(w sched.Switched) {
				if c, ok := cmdOf[w.From]; ok {
					add(c, w.String())
				}
				if c, ok := cmdOf[w.To]; ok {
					cur = c
				}
			})
		}
	}
	opt.Trace = func(cmd int) {
		cur = cmd
		if s != nil {
			if t := s.Current(); t != nil {
				cmdOf[t.Name()] = cmd
			}
		}
	}
	opt.Done = func() { cur = -1 }
}

// inotifywaitNames is inotifywait's event-name order.
var inotifywaitNames = []struct {
	bit  uapi.Mask
	name string
}{
	{uapi.IN_ACCESS, "ACCESS"}, {uapi.IN_MODIFY, "MODIFY"}, {uapi.IN_ATTRIB, "ATTRIB"},
	{uapi.IN_CLOSE_WRITE, "CLOSE_WRITE"}, {uapi.IN_CLOSE_NOWRITE, "CLOSE_NOWRITE"},
	{uapi.IN_OPEN, "OPEN"}, {uapi.IN_MOVED_FROM, "MOVED_FROM"}, {uapi.IN_MOVED_TO, "MOVED_TO"},
	{uapi.IN_CREATE, "CREATE"}, {uapi.IN_DELETE, "DELETE"}, {uapi.IN_DELETE_SELF, "DELETE_SELF"},
	{uapi.IN_UNMOUNT, "UNMOUNT"}, {uapi.IN_Q_OVERFLOW, "Q_OVERFLOW"}, {uapi.IN_IGNORED, "IGNORED"},
	{uapi.IN_CLOSE, "CLOSE"}, {uapi.IN_MOVE_SELF, "MOVE_SELF"}, {uapi.IN_ISDIR, "ISDIR"},
	{uapi.IN_ONESHOT, "ONESHOT"},
}

// inotifywaitEvents joins an event's names the way inotifywait's %,e does.
func inotifywaitEvents(m uapi.Mask) string {
	var names []string
	for _, n := range inotifywaitNames {
		if m&n.bit != 0 {
			names = append(names, n.name)
		}
	}
	return strings.Join(names, ",")
}

// printInotifywait prints what `inotifywait -m -e MASK PATH` prints for the
// same watches: `%w %,e %f`, only events sharing a bit with the watch's
// events (so IN_IGNORED and IN_Q_OVERFLOW do not show by default).
func printInotifywait(w io.Writer, outs []scenario.Outcome) {
	for _, o := range outs {
		for _, ev := range o.Events {
			asked := ev.WatchMask & (uapi.IN_ALL_EVENTS | uapi.IN_UNMOUNT)
			if ev.WatchPath == "" || ev.Mask&asked == 0 {
				continue
			}
			path := ev.WatchPath
			if ev.WatchIsDir && !strings.HasSuffix(path, "/") {
				path += "/"
			}
			fmt.Fprintf(w, "%s %s %s\n", path, inotifywaitEvents(ev.Mask), ev.Name)
		}
	}
}

type jsonEvent struct {
	File      string   `json:"file"`
	Line      int      `json:"line"`
	Wd        int32    `json:"wd"`
	WdName    string   `json:"wd_name,omitempty"`
	Mask      uint32   `json:"mask"`
	MaskNames []string `json:"mask_names"`
	Cookie    uint32   `json:"cookie"`
	Name      string   `json:"name"`
}

// printJSON prints one object per event read.
func printJSON(w io.Writer, f *scenario.File, outs []scenario.Outcome) {
	enc := json.NewEncoder(w)
	for i, o := range outs {
		for _, ev := range o.Events {
			je := jsonEvent{File: f.Name, Line: f.Commands[i].Pos.Line, Wd: ev.Wd, WdName: ev.WdName,
				Mask: uint32(ev.Mask), MaskNames: strings.Split(ev.Mask.String(), "|"), Cookie: ev.Cookie, Name: ev.Name}
			_ = enc.Encode(je)
		}
	}
}
