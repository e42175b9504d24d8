// Package hostkernel runs scenarios (package scenario) as real system
// calls on the host's Linux kernel, so that a scenario's transcript from
// the simulator can be compared with the kernel's own ("inosim run
// --kernel", "inosim diff").
//
// # The re-exec requirement
//
// A scenario runs in a sandboxed child process, and that child is the
// calling program itself, re-executed through /proc/self/exe with an
// environment marker (INOSIM_HOSTKERNEL_CHILD). Every program that calls
// Run or Available must therefore call RunChildIfRequested first thing in
// main (and a test binary in TestMain, before m.Run):
//
//	func main() {
//		hostkernel.RunChildIfRequested() // never returns in the child
//		...
//	}
//
//	func TestMain(m *testing.M) {
//		hostkernel.RunChildIfRequested()
//		os.Exit(m.Run())
//	}
//
// In the parent RunChildIfRequested returns at once. A program that forgets
// it gets an error from Available and Run, never a recursive run of itself.
//
// # The child
//
// The child is started with a new mount namespace and, where the host
// allows it, a new user namespace whose uid and gid maps are the identity
// over 0..4294967294 (so file owners and "as UID" mean what they mean on
// the host). It makes every mount private, mounts a fresh tmpfs (mode
// 0755, owned by 0:0) over a scratch directory of its private namespace,
// chroots into it and chdirs to "/", sets umask 0, drops supplementary
// groups, and then runs the scenario with scenario.Run against hostMachine,
// a scenario.Machine whose every method is one system call made through
// golang.org/x/sys/unix. Outcomes come back to the parent as JSON over a
// pipe. Nothing the scenario does can reach the host's file systems: every
// path resolves inside the chrooted tmpfs of a private mount namespace that
// dies with the child. The child is killed after Timeout.
//
// The child's own descriptors (the result pipe at 900, the /proc/sys files
// it writes for sysctl lines at 901..903) are out of a scenario's way: the
// descriptors a scenario's calls get are the kernel's lowest free numbers
// from 3 up, and literal numbers such as 99 are unused (EBADF). For that
// the child closes whatever 3..899 it inherited without O_CLOEXEC, starts
// with GODEBUG=containermaxprocs=0 (else the Go runtime keeps cgroup files
// open on low descriptors) and avoids os.File calls (which would open the
// netpoller's epoll descriptor). A race-detector build gets
// GORACE=atexit_sleep_ms=0 so that its exit does not take a second.
//
// As on any Linux machine, "umount /" (without -l) on the scenario's root
// remounts it read-only rather than unmounting it.
//
// Outcomes travel as JSON, with event names and watch paths also sent as
// bytes so that names that are not UTF-8 come back exactly.
//
// # sysctl lines
//
// "sysctl max_queued_events=N" writes the host's global
// /proc/sys/fs/inotify/max_queued_events. The parent scans the file's
// sysctl lines before starting the child, saves the current value of every
// global file the run may write, and restores it when the run ends —
// whether it succeeds, fails, panics, times out, or the process gets SIGINT
// or SIGTERM while the run is in progress. Runs are serialized within a
// process so that one run's setting never leaks into another's; two
// processes running scenarios at once can still see each other's
// max_queued_events, and a parent killed by SIGKILL cannot restore
// anything (its child dies with it, through PR_SET_PDEATHSIG).
//
// "sysctl max_user_instances=N" and "max_user_watches=N" are per-user
// limits. In the child's private user namespace they are written to
// /proc/sys/user/max_inotify_instances and max_inotify_watches, which
// count only the instances and watches made inside that namespace (the
// child starts by copying the host's current limits there, so a scenario
// that sets nothing sees the host's limits). The kernel also charges them
// to root's counts in the host's namespace, so the host's own limits still
// apply on top. When no user namespace can be made (or
// INOSIM_HOSTKERNEL=nouserns), the child runs as the host's real root and
// writes the global /proc/sys/fs/inotify/max_user_* files, saved and
// restored like max_queued_events; then a scenario setting them assumes
// that no other process of root uses inotify, and Run says so through
// Warnings.
//
// # Environment
//
// INOSIM_HOSTKERNEL=off makes Available fail (to exercise callers' skip
// paths); INOSIM_HOSTKERNEL=nouserns forces the run without a user
// namespace.
package hostkernel
