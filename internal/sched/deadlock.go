package sched

import (
	"fmt"
	"runtime"
	"sort"
	"strings"

	"github.com/inosim/inosim/internal/lockdep"
)

// Blocked is one thread of a deadlock: the lock it waits for (and who
// holds it) or the wait queue it sleeps on, and the locks it holds.
type Blocked struct {
	Task  string
	Where string // the scenario line (or system call) it was at
	Func  string // the Go function that blocked
	Lock  string // the lock it waits for, "" when it sleeps
	Class string // Lock's class
	Owner string // the task holding Lock
	Queue string // the wait queue it sleeps on, "" when it waits for a lock
	Held  []lockdep.HeldLock
	// Rows are its lock operations for the interleaving table: the locks
	// it holds and the one it waits for, each with the switch point it
	// happened at.
	Rows []Row
}

// Row is one line of the interleaving table.
type Row struct {
	Step int
	Text string // "lock(ih->mutex);"
}

// Deadlock is what the scheduler found when no thread could run but some
// had not finished: each blocked thread, by id.
type Deadlock struct {
	Threads []Blocked
}

func (s *Scheduler) deadlocked() {
	s.abort = true
	d := &Deadlock{}
	for _, t := range s.active {
		if t.state == exited {
			continue
		}
		b := Blocked{Task: t.Name(), Where: t.cur.Site(), Func: t.where, Held: t.cur.HeldLocks()}
		for i, l := range t.locks {
			name := l.m.Class().Name()
			if len(b.Held) == len(t.locks) {
				// lockdep's name of the held lock has its subclass.
				name, _, _ = strings.Cut(b.Held[i].Lock, "#")
			}
			b.Rows = append(b.Rows, Row{Step: l.step, Text: "lock(" + name + ");"})
		}
		switch t.state {
		case onMutex:
			b.Lock = fmt.Sprintf("%s#%d", t.mutex.Class().Name(), mutexID(t.mutex))
			b.Class = t.mutex.Class().Name()
			if o := t.mutex.Owner(); o != nil {
				b.Owner = o.Name()
			}
			b.Rows = append(b.Rows, Row{Step: t.step, Text: "lock(" + b.Class + ");"})
		case sleeping:
			b.Queue = t.wq.name
			b.Rows = append(b.Rows, Row{Step: t.step, Text: "wait(" + t.wq.name + ");"})
		case waitingFor:
			b.Queue = t.what
			b.Rows = append(b.Rows, Row{Step: t.step, Text: "wait(" + t.what + ");"})
		}
		d.Threads = append(d.Threads, b)
	}
	s.deadlock = d
}

// mutexID reads a lock's instance number from its lockdep name.
func mutexID(m *lockdep.Mutex) uint64 { return lockdep.InstanceID(m) }

// callerOutside names the first Go function up the stack that is not
// lockdep's or the scheduler's, trimmed to package.Function.
func callerOutside() string {
	var pcs [16]uintptr
	n := runtime.Callers(3, pcs[:])
	frames := runtime.CallersFrames(pcs[:n])
	for {
		f, more := frames.Next()
		name := f.Function
		if i := strings.LastIndexByte(name, '/'); i >= 0 {
			name = name[i+1:]
		}
		if !strings.HasPrefix(name, "lockdep.") && !strings.HasPrefix(name, "sched.") {
			return name
		}
		if !more {
			return "?"
		}
	}
}

// String renders the deadlock in lockdep's wording: each blocked task with
// the lock it is trying to acquire and the locks it holds (what
// debug_show_all_locks prints when the hung task detector fires), then the
// interleaving that led there as lockdep's two-column table, one column
// per task.
func (d *Deadlock) String() string {
	var b strings.Builder
	bar := strings.Repeat("=", 54)
	fmt.Fprintf(&b, "%s\nWARNING: deadlock: every task is blocked\n%s\n", bar, strings.Repeat("-", 54))
	for _, t := range d.Threads {
		at := t.Func
		if t.Where != "" {
			at += " [" + t.Task + " " + t.Where + "]"
		}
		switch {
		case t.Lock != "":
			fmt.Fprintf(&b, "%s is blocked trying to acquire lock:\n  (%s) at %s\n", t.Task, t.Lock, at)
			if t.Owner != "" {
				fmt.Fprintf(&b, "which is held by %s.\n", t.Owner)
			}
		case t.Queue != "":
			fmt.Fprintf(&b, "%s is sleeping on %s at %s\nand nothing is left to wake it.\n", t.Task, t.Queue, at)
		default:
			fmt.Fprintf(&b, "%s has not run.\n", t.Task)
		}
		fmt.Fprintf(&b, "\n%d lock%s held by %s:\n", len(t.Held), plural(len(t.Held)), t.Task)
		for i, h := range t.Held {
			fmt.Fprintf(&b, " #%d: (%s) taken at %s\n", i, h.Lock, heldAt(h.Site))
		}
		b.WriteByte('\n')
	}
	b.WriteString("the interleaving that led here:\n\n")
	const w = 30 // lockdep's column width
	var names, rules strings.Builder
	for _, t := range d.Threads {
		fmt.Fprintf(&names, "%-*s", w, t.Task)
		fmt.Fprintf(&rules, "%-*s", w, "----")
	}
	b.WriteString("       " + strings.TrimRight(names.String(), " ") + "\n")
	b.WriteString("       " + strings.TrimRight(rules.String(), " ") + "\n")
	type cell struct {
		step, col int
		text      string
	}
	var cells []cell
	for i, t := range d.Threads {
		for _, r := range t.Rows {
			cells = append(cells, cell{r.Step, i, r.Text})
		}
	}
	sort.SliceStable(cells, func(i, j int) bool { return cells[i].step < cells[j].step })
	for _, c := range cells {
		if c.col == 0 {
			b.WriteString("  " + c.text + "\n")
		} else {
			b.WriteString(strings.Repeat(" ", 7+w*c.col) + c.text + "\n")
		}
	}
	b.WriteString("\n *** DEADLOCK ***\n")
	return b.String()
}

func heldAt(s lockdep.Site) string {
	out := s.Func
	if s.Where != "" {
		if out == "?" || out == "" {
			return s.Where
		}
		out += " [" + s.Where + "]"
	}
	return out
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
