package scenario

import (
	"strconv"
	"strings"
)

// FirstConcurrent returns the index of f's first command with a task
// prefix, len(f.Commands) if none has one.
func (f *File) FirstConcurrent() int {
	for _, c := range f.Commands {
		if c.Thread != "" {
			return c.Index
		}
	}
	return len(f.Commands)
}

// Signature sums up one run of a concurrent scenario as one line: the
// result of every command from the first concurrent block on, in file
// order, separated by spaces — ok, an errno name, OOPS, DEADLOCK, a
// fionread count, "-" for a command that did not run, and for a read that
// returned events the events in brackets ("[w IN_IGNORED, 1 IN_CREATE a]",
// cookies labelled c1, c2, ... within the signature). Two runs with one
// signature had the same outcome; an outcome line of the file holds one.
func Signature(f *File, outs []Outcome) string {
	var parts []string
	cookies := map[uint32]string{}
	for _, c := range f.Commands[f.FirstConcurrent():] {
		o := outs[c.Index]
		switch {
		case o.NotRun:
			parts = append(parts, "-")
		case o.Err != "":
			parts = append(parts, o.Err)
		case len(o.Events) > 0:
			evs := make([]string, len(o.Events))
			for i, e := range o.Events {
				var b strings.Builder
				if e.WdName != "" {
					b.WriteString(e.WdName)
				} else {
					b.WriteString(strconv.Itoa(int(e.Wd)))
				}
				b.WriteString(" " + e.Mask.String())
				if e.Cookie != 0 {
					label, ok := cookies[e.Cookie]
					if !ok {
						label = "c" + strconv.Itoa(len(cookies)+1)
						cookies[e.Cookie] = label
					}
					b.WriteString(" cookie=" + label)
				}
				if e.Name != "" {
					b.WriteString(" " + Quote(e.Name))
				}
				evs[i] = b.String()
			}
			parts = append(parts, "["+strings.Join(evs, ", ")+"]")
		case c.Op == OpFionread && o.HasValue:
			parts = append(parts, strconv.FormatInt(o.Value, 10))
		default:
			parts = append(parts, "ok")
		}
	}
	return strings.Join(parts, " ")
}

// Excerpt prints the commands of f from the first concurrent block on
// with the results outs gives them, as a transcript prints them (without
// comment, blank or header lines): how inosim explore shows an outcome.
func Excerpt(f *File, outs []Outcome) string {
	var b strings.Builder
	pr := printer{b: &b, cookies: map[uint32]string{}}
	for _, c := range f.Commands[f.FirstConcurrent():] {
		o := outs[c.Index]
		b.WriteString(c.Source())
		switch {
		case o.NotRun:
			b.WriteString("   # not run")
		case o.Err != "":
			b.WriteString(" => " + o.Err)
		case c.Op == OpFionread && o.HasValue:
			b.WriteString(" => " + strconv.FormatInt(o.Value, 10))
		}
		b.WriteByte('\n')
		pr.events(o.Events)
	}
	return b.String()
}
