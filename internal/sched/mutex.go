package sched

import (
	"sync"
	"sync/atomic"

	"github.com/inosim/inosim/internal/lockdep"
)

// Mutex is a primitive's own mutex, not a lock of the model (no lockdep
// class): srcu_gp_mutex serialising synchronize_srcu, a work item's
// guarantee that it never runs twice at once. Under the deterministic
// scheduler its holder is another thread of the run, which may be waiting
// in the scheduler itself, so a contender waits there too, never in the
// Go mutex, where the scheduler could not run the holder.
type Mutex struct {
	mu   sync.Mutex
	busy atomic.Bool // mu is held (what a wait in the scheduler tests)
}

// Lock takes m for cur; what names the wait in a deadlock report.
func (m *Mutex) Lock(cur *lockdep.Task, what string) {
	for !m.mu.TryLock() {
		if !WaitUntil(cur, what, func() bool { return !m.busy.Load() }) {
			m.mu.Lock()
			break
		}
	}
	m.busy.Store(true)
}

// Unlock releases m.
func (m *Mutex) Unlock() {
	m.busy.Store(false)
	m.mu.Unlock()
}
