package inotifyfem

import (
	"sort"

	"github.com/inosim/inosim/internal/lockdep"
)

// watchTree is an avl_tree_t of watches: ordered by a comparator, at most
// one watch per key. Its owner's lock (ins_lock) protects it. A sorted
// slice does what the seed's AVL trees do here (add, find, remove, first,
// numnodes) with the same order.
type watchTree struct {
	cmp func(lhs, rhs *inotifyWatch) int
	ws  []*inotifyWatch
}

func (t *watchTree) search(w *inotifyWatch) (int, bool) {
	i := sort.Search(len(t.ws), func(i int) bool { return t.cmp(t.ws[i], w) >= 0 })
	return i, i < len(t.ws) && t.cmp(t.ws[i], w) == 0
}

// find is avl_find: the watch comparing equal to cmp, or nil.
func (t *watchTree) find(cmp *inotifyWatch) *inotifyWatch {
	if i, ok := t.search(cmp); ok {
		return t.ws[i]
	}
	return nil
}

// add is avl_add; a watch equal to one in the tree is a panic, as it is
// in the kernel.
func (t *watchTree) add(w *inotifyWatch) {
	i, ok := t.search(w)
	if ok {
		panic("avl_add: a node with this key is in the tree")
	}
	t.ws = append(t.ws, nil)
	copy(t.ws[i+1:], t.ws[i:])
	t.ws[i] = w
}

// remove is avl_remove of w itself.
func (t *watchTree) remove(w *inotifyWatch) {
	i, ok := t.search(w)
	if !ok || t.ws[i] != w {
		panic("avl_remove: not in the tree")
	}
	t.ws = append(t.ws[:i], t.ws[i+1:]...)
}

// first is avl_first: the lowest watch, or nil.
func (t *watchTree) first() *inotifyWatch {
	if len(t.ws) == 0 {
		return nil
	}
	return t.ws[0]
}

// numnodes is avl_numnodes.
func (t *watchTree) numnodes() int { return len(t.ws) }

// all returns the watches in order (for checks and snapshots).
func (t *watchTree) all() []*inotifyWatch { return append([]*inotifyWatch(nil), t.ws...) }

// kcondvar is kcondvar_t over a lockdep.Mutex: cv_wait sleeps without the
// mutex and takes it again. The waiters' channel is taken under the
// mutex, so a wake-up after the test is not lost; cv_signal wakes every
// sleeper, which then tests again (cv_signal promises at least one).
type kcondvar struct {
	ch chan struct{}
}

// wait is cv_wait. Precondition: m is held.
func (cv *kcondvar) wait(cur *lockdep.Task, m *lockdep.Mutex) {
	lockdep.AssertHeld(cur, m)
	if cv.ch == nil {
		cv.ch = make(chan struct{})
	}
	ch := cv.ch
	m.Unlock(cur)
	<-ch
	m.Lock(cur)
}

// waitSig is cv_wait_sig_swap: like wait, but a signal (done closing)
// ends the sleep; it reports false then. Precondition: m is held.
func (cv *kcondvar) waitSig(cur *lockdep.Task, m *lockdep.Mutex, done <-chan struct{}) bool {
	lockdep.AssertHeld(cur, m)
	if cv.ch == nil {
		cv.ch = make(chan struct{})
	}
	ch := cv.ch
	m.Unlock(cur)
	woken := true
	select {
	case <-ch:
	case <-done:
		woken = false
	}
	m.Lock(cur)
	return woken
}

// broadcast is cv_broadcast (and cv_signal), made with the mutex the
// waiters sleep on held.
func (cv *kcondvar) broadcast() {
	if cv.ch != nil {
		close(cv.ch)
		cv.ch = nil
	}
}
