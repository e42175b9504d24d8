package hooks

import (
	"fmt"
	"strings"
)

// Oops is a kernel oops in a backend's code: a bug of the modelled kernel
// that would fault there (seed 000's system calls use any file's
// private_data as their device). The real kernel prints the oops and kills
// the task with whatever it held; the simulator cannot run on from there,
// so the backend unwinds what the faulting call held (locks and
// references) and returns an *Oops as the system call's error. The kernel
// logs it (sim's Kernel.Oopses) and the scenario layer shows the call's
// result as OOPS (docs/scenarios.md, "Kernel oopses").
type Oops struct {
	// Bug is the first line's cause, after "BUG: ".
	Bug string
	// Code is the page fault's error code ("0002": a write, in kernel
	// mode, to a page not present); "" for a bug that is not a fault.
	Code string
	// Func is the kernel function at fault (the "EIP is at" line).
	Func string
	// Task and Site say who faulted and where (lockdep's task name and
	// its site: the scenario line or the system call).
	Task, Site string
	// Held are the locks held at the fault, outermost first.
	Held []string
	// Unwound says what the simulator undid that the real kernel leaves
	// behind.
	Unwound string
}

// Error is the oops's one-line summary.
func (o *Oops) Error() string { return "kernel oops in " + o.Func + ": " + o.Bug }

// Report renders the oops as a kernel log shows it, with no addresses, so
// that it reads the same every time; n is its number since boot (the
// "[#n]" of die(), printed for a fault).
func (o *Oops) Report(n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "BUG: %s\n", o.Bug)
	if o.Code != "" {
		fmt.Fprintf(&b, "Oops: %s [#%d]\n", o.Code, n)
	}
	fmt.Fprintf(&b, "EIP is at %s\n", o.Func)
	fmt.Fprintf(&b, "Process %s at %s\n", o.Task, o.Site)
	s := "s"
	if len(o.Held) == 1 {
		s = ""
	}
	fmt.Fprintf(&b, "%d lock%s held by %s:\n", len(o.Held), s, o.Task)
	for i, h := range o.Held {
		fmt.Fprintf(&b, " #%d: (%s)\n", i, h)
	}
	if o.Unwound != "" {
		fmt.Fprintf(&b, "simulator: %s\n", o.Unwound)
	}
	return b.String()
}
