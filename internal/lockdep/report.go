package lockdep

import (
	"fmt"
	"strings"
)

// Kind says what a report is about.
type Kind int

// The kinds of report.
const (
	Circular     Kind = iota // an acquisition closing a cycle in the class graph
	Recursive                // a class taken while already held (no subclass)
	BadUnlock                // release of a lock not held
	HeldAtReturn             // locks held when a system call returned
	NotHeld                  // AssertHeld on a lock not held
)

var kindNames = [...]string{
	Circular:     "Circular",
	Recursive:    "Recursive",
	BadUnlock:    "BadUnlock",
	HeldAtReturn: "HeldAtReturn",
	NotHeld:      "NotHeld",
}

var (
	_ fmt.Stringer = Kind(0)
	_ fmt.Stringer = (*Report)(nil)
)

// String names the kind ("Circular").
func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// HeldLock is one lock a task held, with where it took it.
type HeldLock struct {
	Lock string
	Site Site
}

// ChainLink is one recorded edge of the dependency chain a cycle closes.
type ChainLink struct {
	From, To string
	Site     Site // where To was first taken with From held
	HeldSite Site // where From had been taken
}

// Report is one finding, printed in the kernel's wording by String.
type Report struct {
	Kind  Kind
	Title string
	Task  string
	Where string
	Lock  string // the lock being taken or released
	Site  Site   // where

	// Circular only.
	HeldLock  HeldLock
	NewClass  string
	HeldClass string
	Chain     []ChainLink

	Held []HeldLock // locks held by the task at the time
}

// String renders the report like the kernel's lockdep splat.
func (r *Report) String() string {
	var b strings.Builder
	bar := strings.Repeat("=", 54)
	fmt.Fprintf(&b, "%s\nWARNING: %s\n%s\n", bar, r.Title, strings.Repeat("-", 54))
	switch r.Kind {
	case Circular:
		fmt.Fprintf(&b, "%s is trying to acquire lock:\n  (%s) at %s\n\n", r.Task, r.Lock, r.Site)
		fmt.Fprintf(&b, "but task is already holding lock:\n  (%s) at %s\n\n", r.HeldLock.Lock, r.HeldLock.Site)
		b.WriteString("which lock already depends on the new lock.\n\n")
		b.WriteString("the existing dependency chain (in reverse order) is:\n")
		for i := len(r.Chain) - 1; i >= 0; i-- {
			c := r.Chain[i]
			fmt.Fprintf(&b, "\n-> #%d (%s):\n       taken at %s\n       while holding (%s) taken at %s\n",
				i, c.To, c.Site, c.From, c.HeldSite)
		}
		b.WriteString("\nother info that might help us debug this:\n\n")
		b.WriteString(" Possible unsafe locking scenario:\n\n")
		fmt.Fprintf(&b, "       %-30s%s\n", "CPU0", "CPU1")
		fmt.Fprintf(&b, "       %-30s%s\n", "----", "----")
		fmt.Fprintf(&b, "  lock(%s);\n", r.HeldClass)
		fmt.Fprintf(&b, "       %-30slock(%s);\n", "", r.NewClass)
		fmt.Fprintf(&b, "       %-30slock(%s);\n", "", r.HeldClass)
		fmt.Fprintf(&b, "  lock(%s);\n\n *** DEADLOCK ***\n\n", r.NewClass)
	case Recursive:
		fmt.Fprintf(&b, "%s is trying to acquire lock:\n  (%s) at %s\n\n", r.Task, r.Lock, r.Site)
		b.WriteString("but task is already holding a lock of the same class.\n\n")
	case BadUnlock:
		fmt.Fprintf(&b, "%s is trying to release lock (%s) at %s\nbut there are no more locks to release!\n\n",
			r.Task, r.Lock, r.Site)
	case NotHeld:
		fmt.Fprintf(&b, "%s does not hold (%s) at %s\n\n", r.Task, r.Lock, r.Site)
	case HeldAtReturn:
		fmt.Fprintf(&b, "%s is leaving the kernel with locks still held!\n", r.Task)
		if r.Where != "" {
			fmt.Fprintf(&b, "at %s\n", r.Where)
		}
		b.WriteByte('\n')
	}
	fmt.Fprintf(&b, "%d lock%s held by %s:\n", len(r.Held), plural(len(r.Held)), r.Task)
	for i, h := range r.Held {
		fmt.Fprintf(&b, " #%d: (%s) at %s\n", i, h.Lock, h.Site)
	}
	return b.String()
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
