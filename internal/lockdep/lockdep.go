package lockdep

import (
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
)

// Class is a lock class: all locks initialised with the same Class are one
// node of the dependency graph (lockdep's lock_class_key).
type Class struct {
	name string
}

var classes struct {
	mu     sync.Mutex
	byName map[string]*Class
}

// NewClass returns the class called name, creating it on first use. Names
// are the kernel's ("inode->inotify_mutex", "ih->mutex").
func NewClass(name string) *Class {
	classes.mu.Lock()
	defer classes.mu.Unlock()
	if classes.byName == nil {
		classes.byName = make(map[string]*Class)
	}
	if c, ok := classes.byName[name]; ok {
		return c
	}
	c := &Class{name: name}
	classes.byName[name] = c
	return c
}

// Name is the class's name.
func (c *Class) Name() string { return c.name }

// key is a node of the graph: a class and a subclass (mutex_lock_nested).
type key struct {
	class *Class
	sub   int
}

func (k key) String() string {
	if k.sub == 0 {
		return k.class.name
	}
	return fmt.Sprintf("%s/%d", k.class.name, k.sub)
}

// Site says where an acquisition happened: the simulated call site (a
// scenario file:line or a system call, set with Task.SetSite), the task, and
// the Go function that took the lock.
type Site struct {
	Task  string
	Where string
	Func  string
}

func (s Site) String() string {
	var b strings.Builder
	b.WriteString(s.Func)
	if s.Where != "" || s.Task != "" {
		fmt.Fprintf(&b, " [%s", s.Task)
		if s.Where != "" {
			fmt.Fprintf(&b, " %s", s.Where)
		}
		b.WriteByte(']')
	}
	return b.String()
}

type edge struct {
	from, to key
	site     Site // the acquisition of `to` that first made this edge
	held     Site // where `from` was taken at that time
}

// Validator holds one dependency graph and the reports made against it.
type Validator struct {
	enabled atomic.Bool

	// mu protects the following fields.
	mu       sync.Mutex
	edges    map[[2]key]*edge
	after    map[key][]key
	reported map[[2]key]bool
	reports  []*Report
	trace    func(TraceEvent)
}

// NewValidator returns an enabled validator with an empty graph.
func NewValidator() *Validator {
	v := &Validator{
		edges:    make(map[[2]key]*edge),
		after:    make(map[key][]key),
		reported: make(map[[2]key]bool),
	}
	v.enabled.Store(true)
	return v
}

// SetEnabled turns checking on or off (off: locks are plain mutexes). Change
// it only while no task holds a lock.
func (v *Validator) SetEnabled(on bool) { v.enabled.Store(on) }

// Enabled reports whether checking is on.
func (v *Validator) Enabled() bool { return v.enabled.Load() }

// TraceEvent is one lock operation, for --trace=locks.
type TraceEvent struct {
	Op    string // "lock" or "unlock"
	Lock  string // class[/subclass]#instance
	Depth int    // locks held after a lock, before an unlock
	Task  string
	Func  string
}

func (e TraceEvent) String() string {
	return fmt.Sprintf("%-6s %s depth=%d by %s", e.Op, e.Lock, e.Depth, e.Func)
}

// SetTrace installs fn to be called on every checked lock and unlock (nil:
// no tracing). Tracing needs checking enabled.
func (v *Validator) SetTrace(fn func(TraceEvent)) {
	v.mu.Lock()
	v.trace = fn
	v.mu.Unlock()
}

// Reports returns the reports made so far, oldest first.
func (v *Validator) Reports() []*Report {
	v.mu.Lock()
	defer v.mu.Unlock()
	return append([]*Report(nil), v.reports...)
}

// Edge is one recorded dependency: From was held when To was taken.
type Edge struct {
	From, To string
	Site     Site
}

// Edges returns the dependency graph, sorted, for documentation checks.
func (v *Validator) Edges() []Edge {
	v.mu.Lock()
	defer v.mu.Unlock()
	out := make([]Edge, 0, len(v.edges))
	for _, e := range v.edges {
		out = append(out, Edge{From: e.from.String(), To: e.to.String(), Site: e.site})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].From != out[j].From {
			return out[i].From < out[j].From
		}
		return out[i].To < out[j].To
	})
	return out
}

func (v *Validator) addReport(r *Report) {
	v.reports = append(v.reports, r)
}

// Task is lockdep's view of one task: the locks it holds, in order.
// A Task must be used by one goroutine at a time, like a kernel thread.
type Task struct {
	v     *Validator
	name  string
	where string
	held  []held
}

type held struct {
	m    *Mutex
	k    key
	site Site
}

// NewTask returns a task with no locks held.
func (v *Validator) NewTask(name string) *Task { return &Task{v: v, name: name} }

// Name is the task's name ("task/1").
func (t *Task) Name() string { return t.name }

// Validator returns the validator the task reports to.
func (t *Task) Validator() *Validator { return t.v }

// SetSite sets where the task is in the simulation (a scenario FILE:LINE or a
// system call name); it is recorded with every new edge and report.
func (t *Task) SetSite(where string) { t.where = where }

// Site returns the task's current simulated call site.
func (t *Task) Site() string { return t.where }

// Held returns the names of the locks the task holds, outermost first.
func (t *Task) Held() []string {
	out := make([]string, len(t.held))
	for i, h := range t.held {
		out[i] = h.m.lockName(h.k)
	}
	return out
}

func (t *Task) checking() bool { return t != nil && t.v.enabled.Load() }

func (t *Task) site(skip int) Site {
	return Site{Task: t.name, Where: t.where, Func: callerFunc(skip + 1)}
}

// callerFunc names the Go function skip frames above its caller, trimmed
// to package.Function so reports do not depend on the module path.
func callerFunc(skip int) string {
	pc, _, _, ok := runtime.Caller(skip + 1)
	if !ok {
		return "?"
	}
	f := runtime.FuncForPC(pc)
	if f == nil {
		return "?"
	}
	name := f.Name()
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	return name
}

// CheckNoneHeld is called when a system call returns to user space. Locks
// still held are reported ("lock held when returning to user space!") and
// released so one bug does not hang the rest of a test.
func (t *Task) CheckNoneHeld() {
	if !t.checking() || len(t.held) == 0 {
		return
	}
	r := &Report{Kind: HeldAtReturn, Task: t.name, Where: t.where}
	for _, h := range t.held {
		r.Held = append(r.Held, HeldLock{Lock: h.m.lockName(h.k), Site: h.site})
	}
	r.Title = "lock held when returning to user space!"
	t.v.mu.Lock()
	t.v.addReport(r)
	t.v.mu.Unlock()
	for i := len(t.held) - 1; i >= 0; i-- {
		t.held[i].m.mu.Unlock()
	}
	t.held = t.held[:0]
}

// Mutex is a checked lock: a sync.Mutex with a class and an instance id.
// The kernel's spinlocks and mutexes are both modelled by it.
type Mutex struct {
	mu    sync.Mutex
	class *Class
	id    uint64
}

// Init sets the lock's class and instance id (an inode number, a wd...),
// like mutex_init with a static lock_class_key.
func (m *Mutex) Init(c *Class, id uint64) {
	m.class = c
	m.id = id
}

// Class returns the lock's class.
func (m *Mutex) Class() *Class { return m.class }

func (m *Mutex) lockName(k key) string { return fmt.Sprintf("%s#%d", k, m.id) }

// Lock takes the lock as cur (mutex_lock).
func (m *Mutex) Lock(cur *Task) { m.lock(cur, 0) }

// LockNested takes the lock with a subclass, for nesting two locks of one
// class in a fixed order (mutex_lock_nested, e.g. I_MUTEX_PARENT).
func (m *Mutex) LockNested(cur *Task, subclass int) { m.lock(cur, subclass) }

func (m *Mutex) lock(cur *Task, sub int) {
	if !cur.checking() {
		m.mu.Lock()
		return
	}
	if m.class == nil {
		panic("lockdep: lock used before Init")
	}
	k := key{m.class, sub}
	site := cur.site(2)
	cur.v.validate(cur, m, k, site)
	m.mu.Lock()
	cur.held = append(cur.held, held{m: m, k: k, site: site})
	cur.v.emit(cur, "lock", m.lockName(k), len(cur.held), site.Func)
}

// Unlock releases the lock as cur (mutex_unlock).
func (m *Mutex) Unlock(cur *Task) {
	if !cur.checking() {
		m.mu.Unlock()
		return
	}
	for i := len(cur.held) - 1; i >= 0; i-- {
		if cur.held[i].m == m {
			h := cur.held[i]
			cur.v.emit(cur, "unlock", m.lockName(h.k), len(cur.held), callerFunc(1))
			cur.held = append(cur.held[:i], cur.held[i+1:]...)
			m.mu.Unlock()
			return
		}
	}
	r := &Report{Kind: BadUnlock, Title: "bad unlock balance detected!", Task: cur.name, Where: cur.where,
		Lock: m.lockName(key{m.class, 0}), Site: cur.site(1)}
	r.Held = cur.heldLocks()
	cur.v.mu.Lock()
	cur.v.addReport(r)
	cur.v.mu.Unlock()
}

// AssertHeld reports unless cur holds m: the kernel's lockdep_assert_held,
// our form of a "Caller must hold" comment.
func AssertHeld(cur *Task, m *Mutex) {
	if !cur.checking() {
		return
	}
	for _, h := range cur.held {
		if h.m == m {
			return
		}
	}
	r := &Report{Kind: NotHeld, Title: "lockdep_assert_held() failed", Task: cur.name, Where: cur.where,
		Lock: m.lockName(key{m.class, 0}), Site: cur.site(1)}
	r.Held = cur.heldLocks()
	cur.v.mu.Lock()
	cur.v.addReport(r)
	cur.v.mu.Unlock()
}

func (t *Task) heldLocks() []HeldLock {
	out := make([]HeldLock, len(t.held))
	for i, h := range t.held {
		out[i] = HeldLock{Lock: h.m.lockName(h.k), Site: h.site}
	}
	return out
}

func (v *Validator) emit(t *Task, op, lock string, depth int, fn string) {
	v.mu.Lock()
	tr := v.trace
	v.mu.Unlock()
	if tr != nil {
		tr(TraceEvent{Op: op, Lock: lock, Depth: depth, Task: t.name, Func: fn})
	}
}

// validate checks taking m (as node k) with t's locks held, before the task
// blocks on it: lockdep's __lock_acquire / validate_chain.
func (v *Validator) validate(t *Task, m *Mutex, k key, site Site) {
	for _, h := range t.held {
		if h.m == m || h.k == k {
			r := &Report{Kind: Recursive, Title: "possible recursive locking detected", Task: t.name,
				Where: t.where, Lock: m.lockName(k), Site: site, Held: t.heldLocks()}
			v.mu.Lock()
			v.addReport(r)
			v.mu.Unlock()
			if h.m == m {
				// Taking it would hang the test forever: stop here.
				panic(r.String())
			}
			return
		}
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	for _, h := range t.held {
		pair := [2]key{h.k, k}
		if _, ok := v.edges[pair]; ok {
			continue
		}
		if path := v.pathLocked(k, h.k); path != nil {
			if !v.reported[pair] {
				v.reported[pair] = true
				v.addReport(v.circularLocked(t, m, k, site, h, path))
			}
			continue // do not record the edge that closes the cycle
		}
		v.edges[pair] = &edge{from: h.k, to: k, site: site, held: h.site}
		v.after[h.k] = append(v.after[h.k], k)
	}
}

// pathLocked returns the edges of a path from a to b, or nil (BFS, so the
// chain reported is a shortest one). Caller must hold v.mu.
func (v *Validator) pathLocked(a, b key) []*edge {
	prev := map[key]*edge{}
	queue := []key{a}
	seen := map[key]bool{a: true}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		if n == b {
			var path []*edge
			for n != a {
				e := prev[n]
				path = append([]*edge{e}, path...)
				n = e.from
			}
			return path
		}
		for _, next := range v.after[n] {
			if !seen[next] {
				seen[next] = true
				prev[next] = v.edges[[2]key{n, next}]
				queue = append(queue, next)
			}
		}
	}
	return nil
}

func (v *Validator) circularLocked(t *Task, m *Mutex, k key, site Site, h held, path []*edge) *Report {
	r := &Report{
		Kind:      Circular,
		Title:     "possible circular locking dependency detected",
		Task:      t.name,
		Where:     t.where,
		Lock:      m.lockName(k),
		Site:      site,
		HeldLock:  HeldLock{Lock: h.m.lockName(h.k), Site: h.site},
		Held:      t.heldLocks(),
		NewClass:  k.String(),
		HeldClass: h.k.String(),
	}
	for _, e := range path {
		r.Chain = append(r.Chain, ChainLink{From: e.from.String(), To: e.to.String(), Site: e.site, HeldSite: e.held})
	}
	return r
}
