// Package wait is where a simulated system call sleeps: wait queues
// (wait_queue_head_t, include/linux/wait.h) and Schedule (schedule() with
// schedule_timeout's timer and a signal's interruption).
//
// A Queue is the lazy form of a wait queue: a channel made by the first
// sleeper (ChanLocked) and closed by the next wake-up (WakeLocked), so a
// wake-up with nobody asleep costs nothing. The lock of the object that owns
// the queue protects it (as eventfd's ctx->wqh.lock is its own queue's lock),
// named at Init and asserted.
//
// Schedule sleeps on channels, a timer and a context. Timers are Go's
// (time.NewTimer): inside a testing/synctest bubble they are the bubble's
// fake clock, so a timed epoll_wait returns at once when every goroutine is
// blocked. A context may carry sleep hooks (WithSleepHooks): Schedule calls
// release before it sleeps and reacquire after, which is how a caller that
// serialises one sim.Task between goroutines (unixsim.Sim) lets another
// goroutine make a system call while this one sleeps. The sleeper holds no
// lock then: Schedule reports a sleep with a lockdep lock held.
//
// No goroutine is started here, and nothing reads the wall clock but the
// timers a caller asks for.
package wait
