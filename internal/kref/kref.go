package kref

import (
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
)

// Tracker follows the live refcounted objects of one simulated kernel.
type Tracker struct {
	enabled atomic.Bool
	tracing atomic.Bool
	hook    Hook // the deterministic scheduler's, nil without one

	sinkMu sync.Mutex // serialises recording with tracing on, and sink calls

	// mu protects the following fields.
	mu      sync.Mutex
	live    map[*Ref]struct{}
	history map[*Ref][]Entry // only while tracing
	sink    func(Entry)
	reports []*Report
}

// NewTracker returns an enabled tracker.
func NewTracker() *Tracker {
	tr := &Tracker{live: make(map[*Ref]struct{})}
	tr.enabled.Store(true)
	return tr
}

// Hook is what a deterministic scheduler (package sched) attaches to a
// tracker: every get and put is a switch point. The scheduler knows which
// task runs, so the hook is told nothing but the operation.
type Hook interface {
	RefOp()
}

// SetHook makes every Get, TryGet and Put call h first (nil: none, the
// default, which costs one check). Set it before any object is shared.
func (tr *Tracker) SetHook(h Hook) { tr.hook = h }

// SetEnabled turns leak tracking and reporting on or off. Counts are kept
// either way. Change it only while no object is live.
func (tr *Tracker) SetEnabled(on bool) { tr.enabled.Store(on) }

// SetTracing turns on per-object get/put histories (shown in reports) and,
// with a non-nil sink, streams every entry to it (--trace=refs). Histories
// are kept, also of freed objects (a later get after free shows who freed
// it), until the tracker is dropped. Calls of sink are serialised, in the
// order of the histories; sink must not take or drop references.
func (tr *Tracker) SetTracing(on bool, sink func(Entry)) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.sink = sink
	if on && tr.history == nil {
		tr.history = make(map[*Ref][]Entry)
	}
	tr.tracing.Store(on)
}

// Entry is one operation on a count.
type Entry struct {
	Object string // "inode#12"
	Op     string // "init", "get", "put", "free"
	Count  int32  // the count after the operation
	Func   string // the Go function that did it
	From   string // the function that called Func ("" if unknown)
}

var (
	_ fmt.Stringer = Entry{}
	_ fmt.Stringer = Kind(0)
	_ fmt.Stringer = (*Report)(nil)
)

// String reads "get inotify_watch#1 -> 2 by watch.Get from
// handle.(*InotifyHandle).RmWd": the helper and the kernel function that
// used it, like get_inotify_watch called from inotify_rm_wd.
func (e Entry) String() string {
	s := fmt.Sprintf("%-4s %s -> %d by %s", e.Op, e.Object, e.Count, e.Func)
	if e.From != "" {
		s += " from " + e.From
	}
	return s
}

// Ref is a checked reference count. The zero Ref is unusable: call Init.
type Ref struct {
	n     atomic.Int32
	tr    *Tracker
	kind  string
	id    uint64
	rcu   bool        // freed by Free, after a grace period (InitRCU)
	freed atomic.Bool // Free ran
}

// Init sets the object's identity and its initial count (usually 1, the
// creator's reference), and registers it as live if the count is positive.
func (r *Ref) Init(tr *Tracker, kind string, id uint64, n int32) {
	if r.init(tr, kind, id, n) {
		tr.record(r, "init", n)
	}
}

// init sets the identity and count and reports whether to record it.
func (r *Ref) init(tr *Tracker, kind string, id uint64, n int32) bool {
	r.tr, r.kind, r.id = tr, kind, id
	r.n.Store(n)
	if !tr.on() {
		return false
	}
	if n > 0 {
		tr.mu.Lock()
		tr.live[r] = struct{}{}
		tr.mu.Unlock()
	}
	return true
}

// InitRCU is Init for an object whose memory outlives its last reference
// until a grace period ends: readers that found it without a reference
// (under SRCU) may still look at it, so the final Put only queues it and
// Free, called after the grace period, frees it (today's fsnotify marks
// and connectors). Such an object stays live, and is reported as a leak,
// until Free; a Get after its final Put is still a use after free.
func (r *Ref) InitRCU(tr *Tracker, kind string, id uint64, n int32) {
	r.rcu = true
	if r.init(tr, kind, id, n) {
		tr.record(r, "init", n)
	}
}

// Free frees an InitRCU object after its grace period (kmem_cache_free
// from an SRCU callback or after synchronize_srcu): recorded as "free".
// Freeing an object still referenced, or twice, is reported.
func (r *Ref) Free() {
	twice := r.freed.Swap(true)
	if !r.tr.on() {
		return
	}
	n := r.n.Load()
	r.tr.record(r, "free", n)
	switch {
	case twice:
		r.tr.report(r, BadFree, n, "freed twice")
	case n != 0:
		r.tr.report(r, BadFree, n, fmt.Sprintf("freed while its count is %d", n))
	default:
		r.tr.mu.Lock()
		delete(r.tr.live, r)
		r.tr.mu.Unlock()
	}
}

// Touch is a read through a pointer to the object: one already freed (its
// count at zero, or for an RCU-freed object its Free done) is a use after
// free, reported. Go keeps the memory valid, so without this such a read
// would go unnoticed; callers put it where the kernel dereferences an
// object it may not hold.
func (r *Ref) Touch() {
	if !r.tr.on() {
		return
	}
	n := r.n.Load()
	if r.freed.Load() || (!r.rcu && n <= 0) {
		r.tr.record(r, "touch", n)
		r.tr.report(r, UseAfterFree, n, "read after it was freed")
	}
}

// Tracked reports whether r's tracker is checking: a caller on a hot path
// tests it before Touch, so that with checks off a read costs no call.
func (r *Ref) Tracked() bool { return r.tr.on() }

// ReportBusy reports the object still referenced where nothing may hold
// it any more (msg says where: an inode at the end of its file system's
// unmount).
func (r *Ref) ReportBusy(msg string) {
	if r.tr.on() {
		r.tr.report(r, Busy, r.n.Load(), msg)
	}
}

// Name is the object's identity, e.g. "watch#3".
func (r *Ref) Name() string { return fmt.Sprintf("%s#%d", r.kind, r.id) }

// Count reads the count (atomic_read).
func (r *Ref) Count() int32 { return r.n.Load() }

func (tr *Tracker) on() bool { return tr != nil && tr.enabled.Load() }

// Get takes a reference (atomic_inc). Taking one on an object whose count
// is zero (or below) is a use after free and is reported.
func (r *Ref) Get() {
	if r.tr != nil && r.tr.hook != nil {
		r.tr.hook.RefOp()
	}
	n := r.n.Add(1)
	if !r.tr.on() {
		return
	}
	r.tr.record(r, "get", n)
	if n == 1 {
		r.tr.report(r, GetAfterFree, n, "get of an object whose count was zero")
	} else if n < 1 {
		r.tr.report(r, GetAfterFree, n, fmt.Sprintf("get of an object whose count was %d", n-1))
	}
}

// TryGet takes a reference unless the count is zero (atomic_inc_not_zero,
// igrab on a dying inode). A refused TryGet is not an error: nothing is
// reported.
func (r *Ref) TryGet() bool {
	if r.tr != nil && r.tr.hook != nil {
		r.tr.hook.RefOp()
	}
	for {
		n := r.n.Load()
		if n <= 0 {
			return false
		}
		if r.n.CompareAndSwap(n, n+1) {
			if r.tr.on() {
				r.tr.record(r, "get", n+1)
			}
			return true
		}
	}
}

// Put drops a reference (atomic_dec_and_test) and reports whether it was
// the last one; the caller then frees the object (an InitRCU object: queues
// it for Free). A put below zero is reported and returns false.
func (r *Ref) Put() bool {
	if r.tr != nil && r.tr.hook != nil {
		r.tr.hook.RefOp()
	}
	n := r.n.Add(-1)
	if !r.tr.on() {
		return n == 0
	}
	r.tr.record(r, "put", n)
	if n < 0 {
		r.tr.report(r, Underflow, n, fmt.Sprintf("put below zero (count now %d)", n))
		return false
	}
	if n == 0 && !r.rcu {
		r.tr.mu.Lock()
		delete(r.tr.live, r)
		r.tr.mu.Unlock()
	}
	return n == 0
}

// PutNotLast drops a reference unless it is the last one
// (refcount_dec_not_one, the lockless half of refcount_dec_and_lock): it
// reports whether it dropped one. When it did not, the caller takes the
// lock that guards the object's lists and then calls Put.
func (r *Ref) PutNotLast() bool {
	for {
		n := r.n.Load()
		if n <= 1 {
			return false
		}
		if r.n.CompareAndSwap(n, n-1) {
			if r.tr.on() {
				r.tr.record(r, "put", n-1)
			}
			return true
		}
	}
}

// record adds an entry to r's history if tracing is on. It is called only
// by Init, InitRCU, Get, TryGet, Put, PutNotLast, Free and Touch: the function
// named is their caller.
func (tr *Tracker) record(r *Ref, op string, n int32) {
	if !tr.tracing.Load() {
		return
	}
	fn, from := callerFuncs(1)
	e := Entry{Object: r.Name(), Op: op, Count: n, Func: fn, From: from}
	tr.sinkMu.Lock()
	defer tr.sinkMu.Unlock()
	tr.mu.Lock()
	tr.history[r] = append(tr.history[r], e)
	sink := tr.sink
	tr.mu.Unlock()
	if sink != nil {
		sink(e)
	}
}

// Kind says what a report is about.
type Kind int

// The kinds of report.
const (
	GetAfterFree Kind = iota
	Underflow
	Leak
	BadFree      // Free of an object still referenced, or a second Free
	UseAfterFree // a read of an object already freed (Touch)
	Busy         // still referenced where nothing may hold it (ReportBusy)
)

var kindNames = [...]string{GetAfterFree: "GetAfterFree", Underflow: "Underflow", Leak: "Leak", BadFree: "BadFree",
	UseAfterFree: "UseAfterFree", Busy: "Busy"}

// String names the kind ("Underflow").
func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Report is one refcount finding.
type Report struct {
	Kind    Kind
	Object  string
	Count   int32
	Message string
	History []Entry
}

func (r *Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "refcount: %s: %s", r.Object, r.Message)
	if len(r.History) > 0 {
		b.WriteString("\nhistory:")
		for _, e := range r.History {
			fmt.Fprintf(&b, "\n  %s", e)
		}
	}
	return b.String()
}

func (tr *Tracker) report(r *Ref, k Kind, n int32, msg string) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	rep := &Report{Kind: k, Object: r.Name(), Count: n, Message: msg}
	rep.History = append(rep.History, tr.history[r]...)
	tr.reports = append(tr.reports, rep)
}

// Reports returns the get-after-free, underflow and bad-free reports made
// so far.
func (tr *Tracker) Reports() []*Report {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return append([]*Report(nil), tr.reports...)
}

// Live returns the names of the objects whose count has not reached zero,
// sorted.
func (tr *Tracker) Live() []string {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	out := make([]string, 0, len(tr.live))
	for r := range tr.live {
		out = append(out, r.Name())
	}
	sort.Strings(out)
	return out
}

// Leaks reports every object still referenced, for teardown: each with its
// count and history. It does not change the tracker.
func (tr *Tracker) Leaks() []*Report {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	var out []*Report
	for r := range tr.live {
		n := r.n.Load()
		msg := fmt.Sprintf("leaked with count %d", n)
		if n == 0 {
			msg = "leaked with count 0: never freed after its last put (no grace period ended)"
		}
		rep := &Report{Kind: Leak, Object: r.Name(), Count: n, Message: msg}
		rep.History = append(rep.History, tr.history[r]...)
		out = append(out, rep)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Object < out[j].Object })
	return out
}

// callerFuncs names the Go function that made a call and the function that
// called it: with skip 0, fn is the caller of the function calling
// callerFuncs and from is fn's caller; each further skip goes one frame up.
// Both are trimmed to package.Function so histories do not depend on the
// module path.
func callerFuncs(skip int) (fn, from string) {
	var pcs [2]uintptr
	n := runtime.Callers(skip+3, pcs[:])
	if n == 0 {
		return "?", ""
	}
	frames := runtime.CallersFrames(pcs[:n])
	f, more := frames.Next()
	fn = trimFunc(f.Function)
	if more {
		g, _ := frames.Next()
		from = trimFunc(g.Function)
	}
	return fn, from
}

// trimFunc trims a function name to package.Function so histories do not
// depend on the module path.
func trimFunc(name string) string {
	if name == "" {
		return "?"
	}
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	return name
}
