package sched

import (
	"fmt"

	"github.com/inosim/inosim/internal/lockdep"
)

type state uint8

const (
	idle       state = iota // attached, not started in the current run
	runnable                // may run
	onMutex                 // blocked until mutex is free
	sleeping                // blocked until its wait queue is woken
	waitingFor              // blocked until cond holds (WaitUntil)
	exited                  // its function returned (or was aborted)
)

// Thread is one simulated thread as the scheduler sees it. It is the
// lockdep.Hook of its task.
type Thread struct {
	s     *Scheduler
	id    int
	cur   *lockdep.Task
	wake  chan struct{}
	state state
	mutex *lockdep.Mutex // onMutex: the lock it waits for
	wq    *WaitQueue     // sleeping: the queue it sleeps on
	wqGen uint64         // sleeping: the queue's generation when it went to sleep
	cond  func() bool    // waitingFor: what it waits for
	what  string         // waitingFor: its name, for a deadlock report
	where string         // blocked: the Go function that blocked
	step  int            // blocked: the switch point it blocked at
	locks []taken        // the locks it took in this run and still holds
	fn    func()
}

// taken is a lock a thread holds, with the switch point it took it at.
type taken struct {
	m    *lockdep.Mutex
	step int
}

var _ lockdep.Hook = (*Thread)(nil)

// ID is the thread's number: threads are numbered 0, 1, ... in the order
// they were attached.
func (t *Thread) ID() int { return t.id }

// Name is the thread's task name ("task/2").
func (t *Thread) Name() string { return t.cur.Name() }

// Decision is what a Strategy is asked at a decision point.
type Decision struct {
	N        int   // decisions before this one in the run
	Runnable []int // ids of the threads that can run, ascending (two or more)
	Cur      int   // the thread that ran last, -1 when it cannot go on
	Default  int   // Cur if it can go on, else Runnable[0]
}

// Strategy chooses the thread to run at each decision point; it returns
// one of d.Runnable.
type Strategy interface {
	Choose(d Decision) int
}

// Scheduler runs the threads of one simulated kernel. Attach gives each
// task a Thread; Go starts one in the next (or current) run; Run runs them
// all to completion or deadlock.
type Scheduler struct {
	strategy Strategy
	threads  []*Thread // every attached thread, by id
	active   []*Thread // the threads started in the current run, by id
	current  *Thread
	running  bool
	abort    bool
	done     chan struct{}
	ready    []int // scratch for decisions

	decisions    int
	lastDecision int // the decision of the latest pick, -1 when it had no choice
	steps        int
	switches     []Switch
	trace        func(Switched)

	deadlock *Deadlock
	panicked any
}

// New returns a scheduler that asks st at every decision (nil: always the
// default).
func New(st Strategy) *Scheduler {
	return &Scheduler{strategy: st, done: make(chan struct{})}
}

// Switched is one switch from a thread to another, for tracing.
type Switched struct {
	From, To string // task names
	Decision int    // the decision that chose To, -1 when From exited and To was the only choice
	Exited   bool   // From's function returned
}

func (w Switched) String() string {
	s := "switch " + w.From + " -> " + w.To
	if w.Exited {
		s += " (exited)"
	}
	if w.Decision >= 0 {
		s += fmt.Sprintf(" at decision %d", w.Decision)
	}
	return s
}

// SetTrace installs fn to be told of every switch from one thread to
// another; nil: none.
func (s *Scheduler) SetTrace(fn func(Switched)) { s.trace = fn }

// Current returns the thread running now, nil outside a run.
func (s *Scheduler) Current() *Thread {
	if !s.running {
		return nil
	}
	return s.current
}

// Attach makes cur a thread of this scheduler (its lockdep.Hook) and
// returns it. Outside a run, its locks behave as without a scheduler.
func (s *Scheduler) Attach(cur *lockdep.Task) *Thread {
	t := &Thread{s: s, id: len(s.threads), cur: cur, wake: make(chan struct{})}
	s.threads = append(s.threads, t)
	cur.SetHook(t)
	return t
}

// ThreadOf returns the thread attached to cur, or nil.
func ThreadOf(cur *lockdep.Task) *Thread {
	if cur == nil {
		return nil
	}
	t, _ := cur.Hook().(*Thread)
	return t
}

// Go starts fn as thread t: before Run, in the next run; during a run
// (from a running thread, as a kernel thread is started), at once, as a
// runnable thread the scheduler may switch to at the next switch point.
func (s *Scheduler) Go(t *Thread, fn func()) {
	if t.s != s || t.state != idle && t.state != exited {
		panic(fmt.Sprintf("sched: Go of %s, already started", t.Name()))
	}
	t.state, t.fn, t.locks = runnable, fn, t.locks[:0]
	s.active = append(s.active, t)
	for i := len(s.active) - 1; i > 0 && s.active[i-1].id > s.active[i].id; i-- {
		s.active[i-1], s.active[i] = s.active[i], s.active[i-1]
	}
	go t.main()
}

// abortRun is the panic value that unwinds a thread of an aborted run.
type abortRun struct{}

func (t *Thread) main() {
	<-t.wake
	s := t.s
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(abortRun); !ok && s.panicked == nil {
				s.panicked = r
				s.abort = true
			}
		}
		s.exit(t)
	}()
	if !s.abort {
		t.fn()
	}
}

// Run runs every thread started with Go, one at a time, until all have
// returned or none can go on. It returns the deadlock found, nil if none.
// A panic in a thread aborts the run and is raised again here.
func (s *Scheduler) Run() *Deadlock {
	if len(s.active) == 0 {
		return nil
	}
	s.running, s.deadlock = true, nil
	first := s.pick(nil)
	s.current = first
	first.wake <- struct{}{}
	for {
		<-s.done
		if !s.abort {
			break
		}
		// Unwind the threads of an aborted run one at a time, so that
		// their deferred unlocks never run at once.
		var next *Thread
		for _, t := range s.active {
			if t.state != exited {
				next = t
				break
			}
		}
		if next == nil {
			break
		}
		s.current = next
		next.wake <- struct{}{}
	}
	s.running, s.abort, s.active, s.current = false, false, s.active[:0], nil
	if p := s.panicked; p != nil {
		s.panicked = nil
		panic(p)
	}
	return s.deadlock
}

// Aborting reports whether the run is being unwound after a deadlock or a
// panic: the threads' deferred calls are running, and what they do (a
// system call's exit check, say) is no longer meaningful.
func (s *Scheduler) Aborting() bool { return s.running && s.abort }

// Running reports whether a run is under way.
func (s *Scheduler) Running() bool { return s.running }

// Decisions returns the number of decisions made so far.
func (s *Scheduler) Decisions() int { return s.decisions }

// Schedule returns the decisions that differed from the default so far:
// with Token, the replay token of what ran.
func (s *Scheduler) Schedule() []Switch { return append([]Switch(nil), s.switches...) }

// Token is Token(s.Schedule()).
func (s *Scheduler) Token() string { return Token(s.switches) }

// canRun reports whether t may run now.
func (t *Thread) canRun() bool {
	switch t.state {
	case runnable:
		return true
	case onMutex:
		return t.mutex.Owner() == nil
	case sleeping:
		return t.wq.gen != t.wqGen
	case waitingFor:
		return t.cond()
	}
	return false
}

// WaitUntil blocks cur's thread of a scheduler run until cond holds, as a
// wait the scheduler sees (synchronize_srcu waiting for readers that run
// on other threads): the thread runs again only when cond is true, and
// every thread so blocked is a deadlock, reported as waiting for what. It
// returns false at once, doing nothing, when cur runs under no scheduler:
// the caller then waits its own way.
func WaitUntil(cur *lockdep.Task, what string, cond func() bool) bool {
	t := ThreadOf(cur)
	if t == nil || !t.inRun() {
		return false
	}
	for !cond() {
		if t.s.abort {
			panic(abortRun{})
		}
		t.state, t.cond, t.what, t.where, t.step = waitingFor, cond, what, callerOutside(), t.s.steps
		t.s.point(t)
		t.state, t.cond, t.what, t.where = runnable, nil, "", ""
	}
	return true
}

// pick returns the thread to run next, cur having reached a switch point
// (nil: cur exited or none ran yet); nil when no thread can run.
func (s *Scheduler) pick(cur *Thread) *Thread {
	ready := s.ready[:0]
	var only *Thread
	for _, t := range s.active {
		if t.canRun() {
			ready = append(ready, t.id)
			only = t
		}
	}
	s.ready = ready
	s.lastDecision = -1
	switch len(ready) {
	case 0:
		return nil
	case 1:
		return only
	}
	s.lastDecision = s.decisions
	d := Decision{N: s.decisions, Runnable: ready, Cur: -1, Default: ready[0]}
	if cur != nil && cur.canRun() {
		d.Cur, d.Default = cur.id, cur.id
	}
	s.decisions++
	id := d.Default
	if s.strategy != nil {
		id = s.strategy.Choose(d)
	}
	if id != d.Default {
		s.switches = append(s.switches, Switch{At: d.N, Thread: id})
	}
	return s.threads[id]
}

// point is a switch point of t, the running thread.
func (s *Scheduler) point(t *Thread) {
	s.steps++
	next := s.pick(t)
	if next == t {
		return
	}
	if next == nil {
		s.deadlocked()
		panic(abortRun{})
	}
	if s.trace != nil {
		s.trace(Switched{From: t.Name(), To: next.Name(), Decision: s.lastDecision})
	}
	s.current = next
	next.wake <- struct{}{}
	<-t.wake
	if s.abort {
		panic(abortRun{})
	}
}

// exit ends t's turn for good and passes the CPU on, or tells the driver.
func (s *Scheduler) exit(t *Thread) {
	t.state = exited
	if s.abort {
		s.done <- struct{}{}
		return
	}
	next := s.pick(nil)
	if next == nil {
		for _, o := range s.active {
			if o.state != exited {
				s.deadlocked()
				break
			}
		}
		s.done <- struct{}{}
		return
	}
	if s.trace != nil {
		s.trace(Switched{From: t.Name(), To: next.Name(), Decision: s.lastDecision, Exited: true})
	}
	s.current = next
	next.wake <- struct{}{}
}

// active reports whether t is the thread running in a run (its hook
// calls are switch points); outside a run hooks do nothing.
func (t *Thread) inRun() bool { return t.s.running && t.s.current == t }

// Acquire is a switch point before t takes m; while another thread owns
// m, t is blocked.
func (t *Thread) Acquire(m *lockdep.Mutex) {
	s := t.s
	if !t.inRun() {
		return
	}
	if s.abort {
		panic(abortRun{}) // unwinding: never wait
	}
	s.point(t)
	if m.Owner() != nil {
		t.state, t.mutex, t.where, t.step = onMutex, m, callerOutside(), s.steps
		for m.Owner() != nil {
			s.point(t)
		}
		t.state, t.mutex, t.where = runnable, nil, ""
	}
	t.locks = append(t.locks, taken{m: m, step: s.steps})
}

// Released is a switch point after t released m.
func (t *Thread) Released(m *lockdep.Mutex) {
	for i := len(t.locks) - 1; i >= 0; i-- {
		if t.locks[i].m == m {
			t.locks = append(t.locks[:i], t.locks[i+1:]...)
			break
		}
	}
	if !t.inRun() || t.s.abort {
		return
	}
	t.s.point(t)
}

// Preempt is an explicit preemption point (might_sleep).
func (t *Thread) Preempt() {
	if !t.inRun() || t.s.abort {
		return
	}
	t.s.point(t)
}

// RefOp is the kref.Hook: a get or put by the running thread is a switch
// point.
func (s *Scheduler) RefOp() {
	if !s.running || s.abort || s.current == nil {
		return
	}
	s.point(s.current)
}
