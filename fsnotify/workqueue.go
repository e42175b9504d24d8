package fsnotify

import (
	"sync/atomic"

	"github.com/inosim/inosim/internal/lockdep"
	"github.com/inosim/inosim/internal/sched"
)

// work is a work item of the reaper (struct work_struct on
// system_unbound_wq): queued by queue_work, run by a kernel thread. The
// simulated kernel runs queued work at its own deterministic points (the
// end of each system call, shutdown: hooks.Kthread) and when a task
// flushes it. Its lockdep map is held while it runs and synced by a
// flush, as the kernel's workqueue annotates them, so a flush from inside
// a lock the work takes is reported.
type work struct {
	dep     lockdep.Map
	pending atomic.Bool
	fn      func(cur *lockdep.Task)

	// running serialises the runs: a work item never runs twice at once
	// (the workqueue's own guarantee, not a lock of the model).
	running sched.Mutex
}

func (w *work) init(c *lockdep.Class, fn func(cur *lockdep.Task)) {
	w.dep.Init(c, 0)
	w.fn = fn
}

// queue marks the work pending (queue_work, queue_delayed_work).
func (w *work) queue() { w.pending.Store(true) }

// run runs the work on a new kernel thread if it is pending; a run in
// progress elsewhere is waited for first (process_one_work).
// cur is the task on whose behalf it runs (the caller of RunQueuedWork,
// which tests pending first, without a call).
func (w *work) run(cur *lockdep.Task, v *lockdep.Validator) {
	if !w.pending.Load() {
		return
	}
	w.running.Lock(cur, "flush_work")
	defer w.running.Unlock()
	w.runPending(cur, v)
}

// runPending runs the work if it is still pending; run and flush call it
// with w.running locked. The kworker is a task of its own for lockdep, but
// it runs on cur's goroutine while cur waits for it, so under the
// deterministic scheduler it takes cur's place (cur's hook): its locks and
// its synchronize_srcu are switch points other threads can run at, where a
// task the scheduler did not know would wait in Go unseen.
func (w *work) runPending(cur *lockdep.Task, v *lockdep.Validator) {
	if !w.pending.Swap(false) {
		return
	}
	kworker := v.NewTask("kworker")
	kworker.SetHook(cur.Hook())
	w.dep.Acquire(kworker)
	w.fn(kworker)
	w.dep.Release(kworker)
	kworker.CheckNoneHeld()
}

// flush waits until the work queued so far has run, running it now if it
// has not started, and waiting for a run in progress
// (flush_delayed_work); cur is the task that waits.
func (w *work) flush(cur *lockdep.Task, v *lockdep.Validator) {
	w.dep.Sync(cur)
	w.running.Lock(cur, "flush_work")
	defer w.running.Unlock()
	w.runPending(cur, v)
}
