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

// Classes returns the names of every class created so far, sorted.
func Classes() []string {
	classes.mu.Lock()
	defer classes.mu.Unlock()
	out := make([]string, 0, len(classes.byName))
	for n := range classes.byName {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// key is a node of the graph: a class and a subclass (mutex_lock_nested).
type key struct {
	class *Class
	sub   int
}

var (
	_ fmt.Stringer = key{}
	_ fmt.Stringer = Site{}
	_ fmt.Stringer = TraceEvent{}
)

func (k key) String() string {
	if k.class == nil {
		return "(uninitialised)"
	}
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
	site     Site  // the acquisition of `to` that first made this edge
	held     Site  // where `from` was taken at that time
	kinds    uint8 // the dependency types seen (kindBit)
}

// kindBit is the bit of a dependency type in edge.kinds: whether the held
// lock was held for reading (shared) and whether the new one was taken as
// a recursive reader. Mutexes are always exclusive, so only a Map's read
// side makes the other three types.
func kindBit(fromRead, toRead bool) uint8 {
	b := uint8(1)
	if fromRead {
		b <<= 2
	}
	if toRead {
		b <<= 1
	}
	return b
}

// siteKey identifies a report site for deduplication: a lock node and the
// Go function that misused it.
type siteKey struct {
	k  key
	fn string
}

// Validator holds one dependency graph and the reports made against it.
type Validator struct {
	enabled atomic.Bool
	sites   atomic.Bool // record every acquisition's call site (see SetSiteCapture)
	trace   atomic.Pointer[tracer]
	traceMu sync.Mutex // serialises calls of the trace function

	// mu protects the following fields. Acquisitions whose edges are all
	// known only read-lock it.
	mu        sync.RWMutex
	edges     map[[2]key]*edge
	after     map[key][]key
	reported  map[[2]key]bool // circular: pairs already reported
	recursive map[key]bool    // recursive: nodes already reported
	misuse    map[siteKey]bool
	reports   []*Report
}

type tracer struct{ fn func(TraceEvent) }

// NewValidator returns an enabled validator with an empty graph.
func NewValidator() *Validator {
	v := &Validator{
		edges:     make(map[[2]key]*edge),
		after:     make(map[key][]key),
		reported:  make(map[[2]key]bool),
		recursive: make(map[key]bool),
		misuse:    make(map[siteKey]bool),
	}
	v.enabled.Store(true)
	v.sites.Store(true)
	return v
}

// SetEnabled turns checking on or off (off: locks are plain mutexes). A task
// takes the setting when it is created (NewTask) and keeps it, which saves
// a load through the validator on every lock operation: set it before
// creating the tasks it should apply to.
func (v *Validator) SetEnabled(on bool) { v.enabled.Store(on) }

// SetSiteCapture chooses whether every acquisition records the Go function
// that made it (on by default, and always while tracing). Off, sites are
// still recorded for every new dependency and every report — enough for a
// cycle report's two call sites — but the locks a task holds are shown
// without theirs; in exchange a checked acquisition costs a few times less
// (runtime.Callers dominates it).
func (v *Validator) SetSiteCapture(on bool) { v.sites.Store(on) }

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
// no tracing). Tracing needs checking enabled. Calls of fn are serialised
// (never two at once), in the order the operations happened; fn must not
// lock or unlock a Mutex of this validator.
func (v *Validator) SetTrace(fn func(TraceEvent)) {
	if fn == nil {
		v.trace.Store(nil)
		return
	}
	v.trace.Store(&tracer{fn: fn})
}

// Reports returns the reports made so far, oldest first.
func (v *Validator) Reports() []*Report {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return append([]*Report(nil), v.reports...)
}

// Edge is one recorded dependency: From was held when To was taken.
// ToRead says To was only ever taken as a recursive reader with From
// held (a Map's AcquireRead): such a dependency alone can never make a
// deadlock, since a reader never waits for a reader.
type Edge struct {
	From, To string
	Site     Site
	ToRead   bool
}

// Edges returns the dependency graph, sorted, for documentation checks.
func (v *Validator) Edges() []Edge {
	v.mu.RLock()
	defer v.mu.RUnlock()
	out := make([]Edge, 0, len(v.edges))
	for _, e := range v.edges {
		toRead := e.kinds&(kindBit(false, false)|kindBit(true, false)) == 0
		out = append(out, Edge{From: e.from.String(), To: e.to.String(), Site: e.site, ToRead: toRead})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].From != out[j].From {
			return out[i].From < out[j].From
		}
		return out[i].To < out[j].To
	})
	return out
}

// addReport appends r. Caller must hold v.mu.
func (v *Validator) addReport(r *Report) {
	v.reports = append(v.reports, r)
}

// addMisuse appends r unless a report of the same kind was already made
// for the same lock node from the same Go function.
func (v *Validator) addMisuse(r *Report, k key) {
	v.mu.Lock()
	defer v.mu.Unlock()
	sk := siteKey{k, r.Site.Func}
	if v.misuse[sk] {
		return
	}
	v.misuse[sk] = true
	v.addReport(r)
}

// Task is lockdep's view of one task: the locks it holds, in order.
// A Task must be used by one goroutine at a time, like a kernel thread.
type Task struct {
	check bool // the validator's setting when the task was created
	hook  Hook // the deterministic scheduler's, nil without one
	v     *Validator
	name  string
	where string
	held  []held

	// Slab is the task's object cache for the simulated kernel's
	// allocators, as the kernel's slab keeps one per CPU: a Task runs on
	// one goroutine at a time, so it needs no lock. Its owner (one
	// allocator) sets and reads it; lockdep never looks at it.
	Slab any
}

// held is one entry of a task's held-lock stack. The Go caller is kept as a
// program counter and named only when a report, edge or trace needs it, so
// that an acquisition allocates nothing.
type held struct {
	m     *Mutex
	k     key
	pc    uintptr
	where string
	read  bool // taken as a recursive reader (Map.AcquireRead)
	map_  bool // a Map: no sync.Mutex behind it
}

// Hook is what a deterministic scheduler (package sched) attaches to a
// task: the switch points of its lock operations. A task without one (the
// default) pays one nil check per operation.
type Hook interface {
	// Acquire is called when the task is about to take m, after the
	// acquisition was validated (so a circular dependency is reported
	// before the task would block): a switch point. It returns once no
	// other task owns m (Owner), having blocked the task in the scheduler
	// meanwhile.
	Acquire(m *Mutex)
	// Released is called after the task released m: a switch point, where
	// a task blocked on m may now run.
	Released(m *Mutex)
	// Preempt is an explicit preemption point (MightSleep).
	Preempt()
}

// SetHook attaches h to the task (nil detaches). Set it before the task
// takes its first lock.
func (t *Task) SetHook(h Hook) { t.hook = h }

// Hook returns the task's hook, nil if none.
func (t *Task) Hook() Hook { return t.hook }

// Owner returns the task holding m, if that task has a Hook; nil when m is
// free or held by a task without one.
func (m *Mutex) Owner() *Task { return m.owner }

// InstanceID returns the instance id m was initialised with.
func InstanceID(m *Mutex) uint64 { return m.id }

// MightSleep marks a place where the kernel may sleep or reschedule
// (might_sleep, cond_resched): a switch point for a task under a
// scheduler, nothing otherwise.
func MightSleep(cur *Task) {
	if cur != nil && cur.hook != nil {
		cur.hook.Preempt()
	}
}

// HeldLocks returns the locks the task holds, outermost first, each with
// where it was taken (its Go function only with site capture on).
func (t *Task) HeldLocks() []HeldLock { return t.heldLocks() }

// NewTask returns a task with no locks held.
func (v *Validator) NewTask(name string) *Task {
	return &Task{check: v.enabled.Load(), v: v, name: name}
}

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

func (t *Task) checking() bool { return t != nil && t.check }

// siteAt is the site of a Go call at pc made by t now.
func (t *Task) siteAt(pc uintptr) Site {
	return Site{Task: t.name, Where: t.where, Func: funcName(pc)}
}

func (t *Task) heldSite(h *held) Site {
	return Site{Task: t.name, Where: h.where, Func: funcName(h.pc)}
}

// callerPC returns the program counter of a Go call: with skip 0, of the
// call of the function that calls callerPC, in that function's caller; each
// further skip goes one frame up. Inlined frames count, as in
// runtime.Callers.
func callerPC(skip int) uintptr {
	var pcs [1]uintptr
	if runtime.Callers(skip+3, pcs[:]) == 0 {
		return 0
	}
	return pcs[0]
}

// funcNames caches funcName: uintptr -> string.
var funcNames sync.Map

// funcName names the Go function of a pc from callerPC, trimmed to
// package.Function so reports do not depend on the module path.
func funcName(pc uintptr) string {
	if pc == 0 {
		return "?"
	}
	if s, ok := funcNames.Load(pc); ok {
		return s.(string)
	}
	f, _ := runtime.CallersFrames([]uintptr{pc}).Next()
	name := f.Function
	if name == "" {
		name = "?"
	}
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	funcNames.Store(pc, name)
	return name
}

// CheckNoneHeld is called when a system call returns to user space. Locks
// still held are reported ("lock held when returning to user space!") and
// released, innermost first, so one bug does not hang the rest of a test.
func (t *Task) CheckNoneHeld() {
	if !t.checking() || len(t.held) == 0 {
		return
	}
	pc := callerPC(0)
	r := &Report{Kind: HeldAtReturn, Title: "lock held when returning to user space!", Task: t.name,
		Where: t.where, Site: t.siteAt(pc), Held: t.heldLocks()}
	t.v.mu.Lock()
	t.v.addReport(r)
	t.v.mu.Unlock()
	for i := len(t.held) - 1; i >= 0; i-- {
		h := t.held[i]
		t.v.emit(t, "unlock", &h, i+1, pc)
		t.held[i] = held{}
		t.held = t.held[:i]
		if !h.map_ {
			h.m.owner = nil
			h.m.mu.Unlock()
			if t.hook != nil {
				t.hook.Released(h.m)
			}
		}
	}
}

// Mutex is a checked lock: a sync.Mutex with a class and an instance id.
// The kernel's spinlocks and mutexes are both modelled by it.
type Mutex struct {
	mu    sync.Mutex
	class *Class
	id    uint64
	owner *Task // the hooked task holding it (see Owner)
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
// class in a fixed order (mutex_lock_nested, e.g. I_MUTEX_PARENT). Two
// locks of one class with different subclasses are distinct nodes of the
// graph; the same class and subclass twice is recursive locking.
func (m *Mutex) LockNested(cur *Task, subclass int) { m.lock(cur, subclass) }

// lock is called only by Lock and LockNested: the pc recorded is their caller's.
func (m *Mutex) lock(cur *Task, sub int) {
	if cur != nil && cur.hook != nil {
		m.lockHooked(cur, sub)
		return
	}
	if !cur.checking() {
		m.mu.Lock()
		return
	}
	m.acquire(cur, sub, false, false, 2)
}

// acquire validates and records an acquisition by cur, blocking on the
// sync.Mutex unless isMap; skip counts the frames between the Go caller
// to record and acquire.
func (m *Mutex) acquire(cur *Task, sub int, read, isMap bool, skip int) {
	if m.class == nil {
		panic("lockdep: lock used before Init")
	}
	k := key{m.class, sub}
	var pc uintptr
	if cur.v.sites.Load() || cur.v.trace.Load() != nil {
		pc = callerPC(skip)
	}
	cur.v.validate(cur, m, k, pc, read, skip+1)
	if !isMap {
		m.mu.Lock()
	}
	cur.held = append(cur.held, held{m: m, k: k, pc: pc, where: cur.where, read: read, map_: isMap})
	op := "lock"
	if read {
		op = "rlock"
	}
	cur.v.emit(cur, op, &cur.held[len(cur.held)-1], len(cur.held), pc)
}

// lockHooked is lock for a task under a scheduler: validated first, as
// lockdep validates before the task would block, then the scheduler's
// switch point, which returns once no other task owns m, so that a
// contended lock blocks its task in the scheduler, never in m.mu.
func (m *Mutex) lockHooked(cur *Task, sub int) {
	if !cur.check {
		cur.hook.Acquire(m)
		m.mu.Lock()
		m.owner = cur
		return
	}
	if m.class == nil {
		panic("lockdep: lock used before Init")
	}
	k := key{m.class, sub}
	var pc uintptr
	if cur.v.sites.Load() || cur.v.trace.Load() != nil {
		pc = callerPC(2)
	}
	cur.v.validate(cur, m, k, pc, false, 3)
	cur.hook.Acquire(m)
	m.mu.Lock()
	m.owner = cur
	cur.held = append(cur.held, held{m: m, k: k, pc: pc, where: cur.where})
	cur.v.emit(cur, "lock", &cur.held[len(cur.held)-1], len(cur.held), pc)
}

// Unlock releases the lock as cur (mutex_unlock). Locks may be released in
// any order. Releasing a lock cur does not hold is reported and otherwise
// ignored: the lock is left as it is.
func (m *Mutex) Unlock(cur *Task) {
	if cur != nil && cur.hook != nil {
		if m.unlock(cur) {
			cur.hook.Released(m)
		}
		return
	}
	m.unlock(cur)
}

// unlock is Unlock without the scheduler's switch point; it reports
// whether the lock was released.
func (m *Mutex) unlock(cur *Task) bool {
	if !cur.checking() {
		if m.owner != nil { // set only by a hooked task: no write (and no GC barrier) otherwise
			m.owner = nil
		}
		m.mu.Unlock()
		return true
	}
	return m.release(cur, false, 1)
}

// release removes m's innermost entry from cur's held locks and unlocks
// the sync.Mutex unless isMap; releasing what cur does not hold is
// reported. The pc recorded is the caller of release's caller, skip more
// frames up. It reports whether m was held.
func (m *Mutex) release(cur *Task, isMap bool, skip int) bool {
	for i := len(cur.held) - 1; i >= 0; i-- {
		if cur.held[i].m != m {
			continue
		}
		if cur.v.trace.Load() != nil {
			h := cur.held[i]
			cur.v.emit(cur, "unlock", &h, len(cur.held), callerPC(1+skip))
		}
		n := copy(cur.held[i:], cur.held[i+1:])
		cur.held[i+n] = held{} // drop the stale reference for the GC
		cur.held = cur.held[:i+n]
		if !isMap {
			if m.owner != nil {
				m.owner = nil
			}
			m.mu.Unlock()
		}
		return true
	}
	pc := callerPC(1 + skip)
	k := key{m.class, 0}
	r := &Report{Kind: BadUnlock, Title: "bad unlock balance detected!", Task: cur.name, Where: cur.where,
		Lock: m.lockName(k), Site: cur.siteAt(pc), Held: cur.heldLocks()}
	cur.v.addMisuse(r, k)
	return false
}

// AssertHeld reports unless cur holds m: the kernel's lockdep_assert_held,
// our form of a "Caller must hold" comment.
// It inlines to one test when checking is off.
func AssertHeld(cur *Task, m *Mutex) {
	if cur.checking() {
		assertHeld(cur, m)
	}
}

// assertHeld is AssertHeld's check; the site reported is AssertHeld's
// caller's (AssertHeld is inlined, and runtime.Callers counts inlined
// frames).
func assertHeld(cur *Task, m *Mutex) {
	for i := range cur.held {
		if cur.held[i].m == m {
			return
		}
	}
	pc := callerPC(1)
	k := key{m.class, 0}
	r := &Report{Kind: NotHeld, Title: "lockdep_assert_held() failed", Task: cur.name, Where: cur.where,
		Lock: m.lockName(k), Site: cur.siteAt(pc), Held: cur.heldLocks()}
	// BadUnlock and NotHeld share the dedup map; keep them apart.
	cur.v.addMisuse(r, key{m.class, -1})
}

func (t *Task) heldLocks() []HeldLock {
	out := make([]HeldLock, len(t.held))
	for i := range t.held {
		h := &t.held[i]
		out[i] = HeldLock{Lock: h.m.lockName(h.k), Site: t.heldSite(h)}
	}
	return out
}

// emit sends one trace event if tracing is on. h is the lock's held entry.
func (v *Validator) emit(t *Task, op string, h *held, depth int, pc uintptr) {
	tr := v.trace.Load()
	if tr == nil {
		return
	}
	ev := TraceEvent{Op: op, Lock: h.m.lockName(h.k), Depth: depth, Task: t.name, Func: funcName(pc)}
	v.traceMu.Lock()
	defer v.traceMu.Unlock()
	tr.fn(ev)
}

// validate checks taking m (as node k; as a recursive reader if read)
// from the Go call at pc with t's locks held, before the task blocks on
// it: lockdep's __lock_acquire / validate_chain. Known edges are only
// read: no map write, no allocation. skip is the number of frames between
// validate's caller and the Go call to name.
func (v *Validator) validate(t *Task, m *Mutex, k key, pc uintptr, read bool, skip int) {
	if len(t.held) == 0 {
		return
	}
	// Without per-acquisition sites, the site is taken only when something
	// new is learnt: a new edge or a report.
	site := func() uintptr {
		if pc == 0 {
			pc = callerPC(skip + 1)
		}
		return pc
	}
	for i := range t.held {
		if t.held[i].m == m {
			if read && t.held[i].read {
				continue // a recursive reader may nest (srcu_read_lock twice)
			}
			site()
			// Taking it would hang the test forever (a lock, or a wait
			// for readers that include the waiter): report, then stop.
			r := v.recursiveReport(t, m, k, pc)
			v.mu.Lock()
			v.addReport(r)
			v.mu.Unlock()
			panic(r.String())
		}
	}
	for i := range t.held {
		if t.held[i].k == k {
			if read && t.held[i].read {
				continue
			}
			site()
			r := v.recursiveReport(t, m, k, pc)
			v.mu.Lock()
			if !v.recursive[k] {
				v.recursive[k] = true
				v.addReport(r)
			}
			v.mu.Unlock()
			return
		}
	}

	v.mu.RLock()
	known := true
	for i := range t.held {
		if t.held[i].k == k {
			continue
		}
		pair := [2]key{t.held[i].k, k}
		if e, ok := v.edges[pair]; (!ok || e.kinds&kindBit(t.held[i].read, read) == 0) && !v.reported[pair] {
			known = false
			break
		}
	}
	v.mu.RUnlock()
	if known {
		return
	}

	site()
	v.mu.Lock()
	defer v.mu.Unlock()
	var acq Site
	haveSite, reported := false, false
	// Innermost first, as the kernel checks the previous lock first: one
	// acquisition makes at most one circular report.
	for i := len(t.held) - 1; i >= 0; i-- {
		h := &t.held[i]
		if h.k == k {
			continue // a nested recursive reader adds no dependency on itself
		}
		pair := [2]key{h.k, k}
		bit := kindBit(h.read, read)
		e, ok := v.edges[pair]
		if ok && e.kinds&bit != 0 || v.reported[pair] {
			continue
		}
		if !haveSite {
			acq, haveSite = t.siteAt(pc), true
		}
		if path := v.pathLocked(k, read, h.k, h.read); path != nil {
			// Do not record the edge that closes the cycle; remember the
			// pair so that it is neither searched nor reported again.
			v.reported[pair] = true
			if !reported {
				reported = true
				v.addReport(v.circularLocked(t, m, k, acq, h, path))
			}
			continue
		}
		if !ok {
			e = &edge{from: h.k, to: k, site: acq, held: t.heldSite(h)}
			v.edges[pair] = e
			v.after[h.k] = append(v.after[h.k], k)
		}
		e.kinds |= bit
	}
}

func (v *Validator) recursiveReport(t *Task, m *Mutex, k key, pc uintptr) *Report {
	return &Report{Kind: Recursive, Title: "possible recursive locking detected", Task: t.name,
		Where: t.where, Lock: m.lockName(k), Site: t.siteAt(pc), Held: t.heldLocks()}
}

// pathLocked returns the edges of a deadlock-capable path from a (being
// taken, as a recursive reader if aRead) to b (held, for reading if
// bRead), or nil (BFS, so the chain reported is a shortest one). As in
// the kernel's lockdep since 5.10, a path through a lock that it enters
// as a recursive reader and leaves from a shared hold proves nothing
// (readers do not wait for readers): the search walks (lock, entered as
// a reader) states and never takes such a turn. Caller must hold v.mu.
func (v *Validator) pathLocked(a key, aRead bool, b key, bRead bool) []*edge {
	type state struct {
		k    key
		read bool // entered as a recursive reader
	}
	type step struct {
		e    *edge
		prev state
	}
	start := state{a, aRead}
	prev := map[state]step{}
	queue := []state{start}
	seen := map[state]bool{start: true}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		if s.k == b && !(s.read && bRead) {
			var path []*edge
			for s != start {
				st := prev[s]
				path = append([]*edge{st.e}, path...)
				s = st.prev
			}
			return path
		}
		for _, next := range v.after[s.k] {
			e := v.edges[[2]key{s.k, next}]
			for _, fromRead := range []bool{false, true} {
				if fromRead && s.read {
					continue
				}
				for _, toRead := range []bool{false, true} {
					if e.kinds&kindBit(fromRead, toRead) == 0 {
						continue
					}
					ns := state{next, toRead}
					if !seen[ns] {
						seen[ns] = true
						prev[ns] = step{e, s}
						queue = append(queue, ns)
					}
				}
			}
		}
	}
	return nil
}

func (v *Validator) circularLocked(t *Task, m *Mutex, k key, site Site, h *held, path []*edge) *Report {
	r := &Report{
		Kind:      Circular,
		Title:     "possible circular locking dependency detected",
		Task:      t.name,
		Where:     t.where,
		Lock:      m.lockName(k),
		Site:      site,
		HeldLock:  HeldLock{Lock: h.m.lockName(h.k), Site: t.heldSite(h)},
		Held:      t.heldLocks(),
		NewClass:  k.String(),
		HeldClass: h.k.String(),
	}
	for _, e := range path {
		r.Chain = append(r.Chain, ChainLink{From: e.from.String(), To: e.to.String(), Site: e.site, HeldSite: e.held})
	}
	return r
}
