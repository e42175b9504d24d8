// Package sched is a deterministic scheduler for the simulated kernel's
// threads, in the manner of CHESS, loom and shuttle: every simulated thread
// runs on a goroutine of its own, but exactly one runs at a time and the
// scheduler decides every switch, so a run is a function of the schedule
// alone, whatever GOMAXPROCS is.
//
// Switch points are the places a kernel can be interleaved: every checked
// lock acquisition and release (package lockdep calls a Thread through
// lockdep.Hook), every reference got or put (package kref calls the
// Scheduler through kref.Hook), every sleep in a WaitQueue (a blocking
// read), and explicit preemption points (lockdep.MightSleep). A contended
// lock blocks its thread here, never in a Go mutex, so that "every thread
// is blocked" is seen: a deadlock, reported with each thread's held locks
// and the lock it waits for (Deadlock). Other waits of the kernel's
// primitives wait here too: WaitUntil for a condition (synchronize_srcu's
// readers), Mutex for a primitive's own mutex (srcu_gp_mutex).
//
// At a switch point where more than one thread can run (a decision), the
// default is to go on with the running thread, or, when it cannot, the
// runnable thread with the lowest id; a Strategy may choose otherwise:
// Random (seeded), PCT (priorities with d-1 change points), DFS
// (exhaustive, with a preemption bound) or Replay. The decisions that
// differ from the default are the schedule, written as a replay Token.
//
// The scheduler's own state is touched only by the thread that runs (and
// by the driver while none does): each hand-off is a channel send and
// receive, which is also what tells the race detector that one thread's
// writes happen before the next one's reads.
package sched
