package lockdep

// Map is a lockdep map with no lock behind it (struct lockdep_map): what
// the kernel annotates where a task waits for others without holding a
// lock, as SRCU does for its readers (srcu_read_lock is a recursive read
// acquisition of the srcu_struct's map, synchronize_srcu an exclusive one
// released at once) and workqueues do for their work items. The validator
// sees its acquisitions as those of a class, so a synchronize_srcu inside a
// read-side section, or a lock taken inside the section and held around a
// synchronize, is reported; a reader inside a reader is not.
type Map struct {
	m    Mutex // the class and id; its sync.Mutex is never locked
	wrap int   // Go frames between the user and the map's methods
}

// Init sets the map's class and instance id (lockdep_init_map).
func (p *Map) Init(c *Class, id uint64) { p.m.Init(c, id) }

// InitWrapped is Init for a map that a primitive wraps (an srcu_struct):
// its methods are called through wrappers frames, and reports and traces
// name the primitive's caller instead, as the kernel's _RET_IP_ does.
func (p *Map) InitWrapped(c *Class, id uint64, wrappers int) {
	p.m.Init(c, id)
	p.wrap = wrappers
}

// Class returns the map's class.
func (p *Map) Class() *Class { return p.m.class }

// AcquireRead records cur entering a read-side section
// (lock_acquire_shared_recursive, the lockdep half of srcu_read_lock).
// A task may hold the map for reading more than once.
func (p *Map) AcquireRead(cur *Task) {
	if !cur.checking() {
		return
	}
	p.m.acquire(cur, 0, true, true, 1+p.wrap)
}

// Acquire records cur holding the map exclusively (lock_map_acquire: a
// work item running, as process_one_work marks it).
func (p *Map) Acquire(cur *Task) {
	if !cur.checking() {
		return
	}
	p.m.acquire(cur, 0, false, true, 1+p.wrap)
}

// Release records cur leaving the section or the work (lock_release,
// srcu_read_unlock's lockdep half). Releasing what cur does not hold is
// reported.
func (p *Map) Release(cur *Task) {
	if !cur.checking() {
		return
	}
	p.m.release(cur, true, p.wrap)
}

// Sync validates a wait for every holder of the map as an exclusive
// acquisition released at once (lock_sync, lock_map_acquire+release:
// synchronize_srcu, flush_work). Waiting inside one's own read-side
// section would never end: it is reported, then panics instead of
// hanging.
func (p *Map) Sync(cur *Task) {
	if !cur.checking() {
		return
	}
	m := &p.m
	if m.class == nil {
		panic("lockdep: map used before Init")
	}
	k := key{m.class, 0}
	var pc uintptr
	if cur.v.sites.Load() || cur.v.trace.Load() != nil {
		pc = callerPC(p.wrap)
	}
	cur.v.validate(cur, m, k, pc, false, 1+p.wrap)
	if cur.v.trace.Load() != nil {
		h := held{m: m, k: k, pc: pc, where: cur.where, map_: true}
		cur.v.emit(cur, "sync", &h, len(cur.held)+1, pc)
	}
}

// Held reports whether cur holds the map, for reading or not
// (lock_is_held: srcu_read_lock_held). With checking off it reports true,
// as the kernel's does without lockdep.
func (p *Map) Held(cur *Task) bool {
	if !cur.checking() {
		return true
	}
	for i := range cur.held {
		if cur.held[i].m == &p.m {
			return true
		}
	}
	return false
}

// AssertHeld reports unless cur holds the map (lockdep_assert_held of a
// map, e.g. "must be called inside an SRCU read-side section").
func (p *Map) AssertHeld(cur *Task) {
	if !cur.checking() {
		return
	}
	if p.Held(cur) {
		return
	}
	m := &p.m
	pc := callerPC(p.wrap)
	k := key{m.class, 0}
	r := &Report{Kind: NotHeld, Title: "lockdep_assert_held() failed", Task: cur.name, Where: cur.where,
		Lock: m.lockName(k), Site: cur.siteAt(pc), Held: cur.heldLocks()}
	cur.v.addMisuse(r, key{m.class, -1})
}
