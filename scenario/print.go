package scenario

import (
	"strconv"
	"strings"

	"github.com/inosim/inosim/uapi"
)

// Outcome is what a command actually did, as the interpreter (or the kernel
// runner) reports it to the printer.
type Outcome struct {
	// Err is the errno name of a failed call ("ENOENT"), "" on success.
	Err string
	// Value is fionread's byte count; HasValue says it is set. The printer
	// writes "=> Value" for a successful fionread with HasValue only.
	Value    int64
	HasValue bool
	// Events are the events a read on an inotify fd returned, in order.
	Events []Event
	// Trace lines (inosim run --trace) are printed under the command as
	// comment lines, so the transcript stays a valid scenario.
	Trace []string
	// NotRun says the command never ran (a deadlock stopped the scenario
	// before it): Print writes the file's own expectation for it.
	NotRun bool
}

// Event is one event read, with the name the printer shows for its wd.
type Event struct {
	uapi.Event
	// WdName is the most recently bound name of Wd on the instance the
	// event was read from, "" when none is (the number is printed).
	WdName string
	// WatchPath is the path given to the inotify_add_watch that returned
	// Wd on that instance, and WatchIsDir says it named a directory (for
	// inotifywait's %w); both are set only when Run is asked to.
	WatchPath  string
	WatchIsDir bool
	WatchMask  uapi.Mask // the watch's mask as last set by add_watch
}

// Print writes the transcript of f given the outcome of each command
// (outs[i] for f.Commands[i]; commands past the end of outs print their own
// expectations, see Expected). Comment, blank and header lines come out as
// written (without trailing white space); each command is re-printed
// canonically (single spaces, tokens quoted by Quote, its trailing comment
// kept) with " => ERRNO" when it failed and " => N" for fionread; the old
// result lines are replaced by the events read, indented two spaces, placed
// where the first old result line was (or right under the command). Cookies
// are labelled c1, c2, … in order of first appearance in the transcript.
//
// Old result lines go with everything on them, comments included; a
// comment line written between two old result lines stays where it was, so
// it ends up after the new block. Either way one more Print changes nothing.
func Print(f *File, outs []Outcome) string {
	var b strings.Builder
	pr := printer{b: &b, cookies: map[uint32]string{}}
	first := map[*Command]int{} // line index of a command's first result line
	for i, l := range f.Lines {
		if _, ok := first[l.Cmd]; l.Kind == ResultLine && !ok {
			first[l.Cmd] = i
		}
	}
	var exp []Outcome
	outcome := func(c *Command) Outcome {
		if c.Index < len(outs) && !outs[c.Index].NotRun {
			return outs[c.Index]
		}
		if exp == nil {
			exp = f.ExpectedAll()
		}
		return exp[c.Index]
	}
	for i, l := range f.Lines {
		switch l.Kind {
		case CommandLine:
			c := l.Cmd
			o := outcome(c)
			b.WriteString(c.Source())
			switch {
			case o.Err != "":
				b.WriteString(" => " + o.Err)
			case c.Op == OpFionread && o.HasValue:
				b.WriteString(" => " + strconv.FormatInt(o.Value, 10))
			}
			if c.Comment != "" {
				if c.Gap == "" {
					b.WriteByte(' ')
				}
				b.WriteString(c.Gap + c.Comment)
			}
			b.WriteByte('\n')
			if _, ok := first[c]; !ok {
				pr.events(o.Events)
				pr.trace(o.Trace)
			}
		case ResultLine:
			if first[l.Cmd] == i {
				o := outcome(l.Cmd)
				pr.events(o.Events)
				pr.trace(o.Trace)
			}
		default:
			b.WriteString(strings.TrimRight(l.Text, " \t"))
			b.WriteByte('\n')
		}
	}
	return b.String()
}

type printer struct {
	b       *strings.Builder
	cookies map[uint32]string
}

func (pr *printer) trace(lines []string) {
	for _, l := range lines {
		pr.b.WriteString("# " + l + "\n")
	}
}

func (pr *printer) events(evs []Event) {
	for _, e := range evs {
		pr.b.WriteString("  ")
		if e.WdName != "" {
			pr.b.WriteString(e.WdName)
		} else {
			pr.b.WriteString(strconv.Itoa(int(e.Wd)))
		}
		pr.b.WriteByte(' ')
		pr.b.WriteString(e.Mask.String())
		if e.Cookie != 0 {
			label, ok := pr.cookies[e.Cookie]
			if !ok {
				label = "c" + strconv.Itoa(len(pr.cookies)+1)
				pr.cookies[e.Cookie] = label
			}
			pr.b.WriteString(" cookie=" + label)
		}
		if e.Name != "" {
			pr.b.WriteByte(' ')
			pr.b.WriteString(Quote(e.Name))
		}
		pr.b.WriteByte('\n')
	}
}

// ExpectedAll returns the outcome each command of f expects, as Expected.
func (f *File) ExpectedAll() []Outcome {
	outs := make([]Outcome, len(f.Commands))
	labels := map[string]uint32{}
	for i, c := range f.Commands {
		outs[i] = c.expected(labels)
	}
	return outs
}

// Expected returns the outcome f.Commands[i] expects: its "=> RESULT" and
// its event lines. A wd written as a name gives WdName; a cookie label gives
// the cookie value n for the n-th label to appear in the file, so that
// Print(f, f.ExpectedAll()) reproduces a transcript that run printed.
func (f *File) Expected(i int) Outcome {
	labels := map[string]uint32{}
	for _, c := range f.Commands[:i] {
		c.expected(labels)
	}
	return f.Commands[i].expected(labels)
}

func (c *Command) expected(labels map[string]uint32) Outcome {
	var o Outcome
	if c.Expect != nil {
		o.Err, o.Value, o.HasValue = c.Expect.Errno, c.Expect.Value, c.Expect.HasValue
	}
	for _, ev := range c.Events {
		e := Event{Event: uapi.Event{Wd: ev.Wd.Num, Mask: ev.Mask, Name: ev.Name}, WdName: ev.Wd.Name}
		if ev.Cookie != "" {
			v, ok := labels[ev.Cookie]
			if !ok {
				v = uint32(len(labels) + 1)
				labels[ev.Cookie] = v
			}
			e.Cookie = v
		}
		o.Events = append(o.Events, e)
	}
	return o
}
