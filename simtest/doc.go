// Package simtest holds the test helpers over the simulator: CheckClean
// (a kernel shut down with no lockdep, refcount or leak report),
// CheckFiles (scenario files that replay as written), and OnSim, OnHost
// and OnBoth, which run one consumer test over unixsim.Sys on the
// simulator and on the host's kernel (in a private tmpfs, as root). It is the one
// package of inosim that imports "testing", so the simulator and the
// inosim binary do not link it.
package simtest
