package srcu

import (
	"sync"
	"sync/atomic"

	"github.com/inosim/inosim/internal/lockdep"
	"github.com/inosim/inosim/internal/sched"
)

// Struct is struct srcu_struct: two reader counts, one per phase, and the
// index of the current phase. A reader counts itself in the current
// phase; synchronize flips the phase and waits for the old one to drain.
type Struct struct {
	dep lockdep.Map

	idx atomic.Uint32   // the current phase (srcu_idx)
	cnt [2]atomic.Int64 // readers in each phase (srcu_lock_count - srcu_unlock_count)

	waiting atomic.Bool // a synchronize is waiting for a phase to drain

	// syncMu serialises the writers (srcu_gp_mutex); mu protects wake.
	// Both are the primitive's own, like the kernel's srcu_struct locks,
	// and are never held around anything else.
	syncMu sched.Mutex
	mu     sync.Mutex
	wake   chan struct{} // closed by the reader that drains the old phase

	// waitHook, if set, runs when a synchronize is about to wait for
	// readers (a tracepoint, for tests that interleave by hand).
	waitHook atomic.Pointer[func()]
}

// Init sets up s; c is its lockdep class (init_srcu_struct with the
// srcu_struct's static lock_class_key).
func (s *Struct) Init(c *lockdep.Class) { s.dep.InitWrapped(c, 0, 1) }

// ReadLock enters a read-side section and returns the index to pass to
// ReadUnlock (srcu_read_lock).
// As the kernel's, it counts itself in first and tells lockdep after
// (__srcu_read_lock, then srcu_lock_acquire), and ReadUnlock tells lockdep
// first: lockdep (and the trace) see the reader inside only while it is.
func (s *Struct) ReadLock(cur *lockdep.Task) int {
	idx := s.idx.Load()
	s.cnt[idx].Add(1)
	i := int(idx)
	if s.idx.Load() != idx {
		i = s.readLockFlipped(idx)
	}
	s.dep.AcquireRead(cur)
	return i
}

// readLockFlipped is ReadLock's slow path: a synchronize flipped the phase
// under us and may already have found the old phase empty, so count in the
// new one instead.
func (s *Struct) readLockFlipped(idx uint32) int {
	for {
		s.leave(idx)
		idx = s.idx.Load()
		s.cnt[idx].Add(1)
		if s.idx.Load() == idx {
			return int(idx)
		}
	}
}

// ReadUnlock leaves the section entered with idx (srcu_read_unlock).
func (s *Struct) ReadUnlock(cur *lockdep.Task, idx int) {
	s.dep.Release(cur)
	if s.cnt[idx].Add(-1) == 0 && s.waiting.Load() {
		s.wakeWriter()
	}
}

func (s *Struct) leave(idx uint32) {
	if s.cnt[idx].Add(-1) == 0 && s.waiting.Load() {
		s.wakeWriter()
	}
}

// wakeWriter wakes the synchronize waiting for the phase just drained.
func (s *Struct) wakeWriter() {
	s.mu.Lock()
	if s.wake != nil {
		close(s.wake)
		s.wake = nil
	}
	s.mu.Unlock()
}

// Synchronize waits until every reader that entered before it has left
// (synchronize_srcu). Calling it inside a section of s is reported by
// lockdep (and panics rather than hang).
func (s *Struct) Synchronize(cur *lockdep.Task) {
	s.dep.Sync(cur)
	s.syncMu.Lock(cur, "synchronize_srcu")
	defer s.syncMu.Unlock()
	old := s.idx.Load()
	s.idx.Store(old ^ 1)
	s.waiting.Store(true)
	defer s.waiting.Store(false)
	hooked := false
	// Under the deterministic scheduler the readers are other threads of
	// the run: wait in the scheduler, which runs them, not on a channel.
	if sched.WaitUntil(cur, "synchronize_srcu", func() bool { return s.cnt[old].Load() == 0 }) {
		return
	}
	for {
		s.mu.Lock()
		if s.cnt[old].Load() == 0 {
			s.mu.Unlock()
			return
		}
		ch := make(chan struct{})
		s.wake = ch
		s.mu.Unlock()
		if h := s.waitHook.Load(); h != nil && !hooked {
			hooked = true
			(*h)()
		}
		<-ch
	}
}

// ReadLockHeld reports whether cur is inside a section of s
// (srcu_read_lock_held; true with lockdep off, as in the kernel).
func (s *Struct) ReadLockHeld(cur *lockdep.Task) bool { return s.dep.Held(cur) }

// AssertHeld reports unless cur is inside a section of s
// (lockdep_assert_held on the srcu_struct's map).
func (s *Struct) AssertHeld(cur *lockdep.Task) { s.dep.AssertHeld(cur) }

// SetWaitHook installs fn to run each time a Synchronize finds readers and
// is about to wait for them (nil removes it): a tracepoint for tests that
// interleave a reader and a writer by hand.
func (s *Struct) SetWaitHook(fn func()) {
	if fn == nil {
		s.waitHook.Store(nil)
		return
	}
	s.waitHook.Store(&fn)
}
