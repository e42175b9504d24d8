// Package simtest holds the test helpers over the simulator: CheckClean
// (a kernel shut down with no lockdep, refcount or leak report) and
// CheckFiles (scenario files that replay as written). It is the one
// package of inosim that imports "testing", so the simulator and the
// inosim binary do not link it.
package simtest
