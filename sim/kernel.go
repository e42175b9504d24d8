package sim

import (
	"errors"
	"fmt"
	"sort"
	"sync/atomic"

	"github.com/inosim/inosim/hooks"
	"github.com/inosim/inosim/internal/kref"
	"github.com/inosim/inosim/internal/lockdep"
	"github.com/inosim/inosim/internal/personality"
	"github.com/inosim/inosim/internal/sched"
	"github.com/inosim/inosim/vfs"
)

// Lock classes of the kernel.
var (
	// TasklistLockClass is the class of the kernel's task list lock.
	TasklistLockClass = lockdep.NewClass("tasklist_lock")
	// LogbufLockClass is the class of the kernel log's lock (logbuf_lock
	// of kernel/printk.c), which holds the oops reports.
	LogbufLockClass = lockdep.NewClass("logbuf_lock")
)

// Kernel is one simulated machine.
type Kernel struct {
	validator *lockdep.Validator
	refs      *kref.Tracker
	vfs       *vfs.VFS
	pids      atomic.Int32
	credIDs   atomic.Uint64 // cred_t identities (vfs.Cred.ID)
	backend   hooks.Backend // the personality's inotify
	kthread   hooks.Kthread // backend, if it has kernel threads (once, not at every system call)
	p         *personality.P
	sched     *sched.Scheduler // nil unless WithScheduler

	// tasklistLock (tasklist_lock) protects the following fields.
	tasklistLock lockdep.Mutex
	tasks        []*Task // live tasks, by pid
	shutdown     []string
	down         bool

	// logbufLock (logbuf_lock) protects the following field.
	logbufLock lockdep.Mutex
	oopses     []string // the oops reports, in order (die_counter is their number)
}

// Option configures NewKernel.
type Option func(*options)

type options struct {
	sched       *sched.Scheduler
	checks      bool
	notifier    vfs.Notifier
	personality *personality.P
}

// WithPersonality selects the inotify version the kernel behaves as
// (default: today's Linux).
func WithPersonality(p *personality.P) Option { return func(o *options) { o.personality = p } }

// WithScheduler runs the kernel's tasks under the deterministic scheduler
// s (package internal/sched): every task is attached to it, and
// Concurrently runs tasks as threads one at a time, s choosing every
// switch. Outside Concurrently the kernel behaves as without one. Use a
// new Scheduler per kernel.
func WithScheduler(s *sched.Scheduler) Option { return func(o *options) { o.sched = s } }

// WithChecks turns lockdep and refcount checking on (the default) or off.
func WithChecks(on bool) Option { return func(o *options) { o.checks = on } }

// WithNotifier makes the VFS call n instead of the backend's hooks: for
// tests that record the hooks the VFS calls.
func WithNotifier(n vfs.Notifier) Option { return func(o *options) { o.notifier = n } }

// NewKernel boots a kernel: an empty root tmpfs (mode 0755, 0:0), no tasks.
func NewKernel(opts ...Option) *Kernel {
	o := options{checks: true, personality: personality.Linux}
	for _, opt := range opts {
		opt(&o)
	}
	k := &Kernel{validator: lockdep.NewValidator(), refs: kref.NewTracker(), sched: o.sched}
	if k.sched != nil {
		k.refs.SetHook(k.sched)
	}
	k.validator.SetEnabled(o.checks)
	// Recording every acquisition's call site costs most of checked time;
	// new edges and reports record theirs anyway, and tracing turns it on.
	k.validator.SetSiteCapture(false)
	k.refs.SetEnabled(o.checks)
	k.tasklistLock.Init(TasklistLockClass, 0)
	k.logbufLock.Init(LogbufLockClass, 0)
	k.p = o.personality
	k.vfs = vfs.New(vfs.Options{Validator: k.validator, Refs: k.refs, P: k.p,
		NewNotifier: func(v *vfs.VFS) vfs.Notifier {
			k.backend = newBackend(k.p, v)
			k.kthread, _ = k.backend.(hooks.Kthread)
			if o.notifier != nil {
				return o.notifier
			}
			return k.backend.Notifier()
		}})
	return k
}

// Validator returns the kernel's lock validator.
func (k *Kernel) Validator() *lockdep.Validator { return k.validator }

// Refs returns the kernel's refcount tracker.
func (k *Kernel) Refs() *kref.Tracker { return k.refs }

// VFS returns the kernel's VFS.
func (k *Kernel) VFS() *vfs.VFS { return k.vfs }

// kernelTask returns a lockdep task for work done outside any simulated
// task (booting, the task list, shutdown).
func (k *Kernel) kernelTask() *lockdep.Task { return k.validator.NewTask("kthread") }

// NewTask creates a process with pid 1, 2, ... (pids and thread ids share
// one counter) running as uid:gid with no supplementary groups, its root
// and cwd at "/", with an fd table of its own: a task of one thread, which
// may start more with NewThread.
func (k *Kernel) NewTask(uid, gid uint32) *Task {
	pid := int(k.pids.Add(1))
	t := &Task{k: k, pid: pid, tgid: pid, cur: k.validator.NewTask(fmt.Sprintf("task/%d", pid))}
	k.attach(t.cur)
	t.ctx = k.vfs.NewContext(t.cur, vfs.Cred{Uid: uid, Gid: gid, ID: k.credIDs.Add(1)})
	t.ctx.Did = uint64(pid) // t_did: a task is one thread
	t.files = &filesStruct{fds: make(map[int]*fdEntry), users: 1}
	t.files.fileLock.Init(FileLockClass, uint64(pid))
	t.fs = &fsStruct{}
	t.fs.lock.Init(FsLockClass, uint64(pid))
	k.list(t)
	return t
}

// attach gives a new task its thread of the kernel's scheduler, if any.
func (k *Kernel) attach(cur *lockdep.Task) {
	if k.sched != nil {
		k.sched.Attach(cur)
	}
}

// Sched returns the kernel's scheduler, nil without one.
func (k *Kernel) Sched() *sched.Scheduler { return k.sched }

// Concurrently runs fns[i] as tasks[i] (processes or threads), each on a
// goroutine of its own, and returns when every one has returned. Under a
// scheduler (WithScheduler) exactly one runs at a time and the scheduler
// decides every switch; if every task still running is blocked, the run
// stops there and the deadlock is returned (the kernel is then left as
// the deadlock left it: do not shut it down). Without a scheduler the
// goroutines run freely and the result is nil. A task may appear once.
func (k *Kernel) Concurrently(tasks []*Task, fns []func()) *sched.Deadlock {
	if k.sched == nil {
		done := make(chan struct{}, len(tasks))
		for _, fn := range fns {
			go func() {
				defer func() { done <- struct{}{} }()
				fn()
			}()
		}
		for range fns {
			<-done
		}
		return nil
	}
	for i, t := range tasks {
		k.sched.Go(sched.ThreadOf(t.cur), fns[i])
	}
	return k.sched.Run()
}

// StartKthread starts fn as a kernel thread called name (kthread_run), with
// a lockdep task of its own: under a scheduler, scheduled like any thread
// (call it from a running thread, or before Concurrently); without one,
// on a goroutine of its own.
func (k *Kernel) StartKthread(name string, fn func(cur *lockdep.Task)) {
	cur := k.validator.NewTask(name)
	if k.sched == nil {
		go fn(cur)
		return
	}
	k.sched.Go(k.sched.Attach(cur), func() { fn(cur) })
}

// list adds t to the task list.
func (k *Kernel) list(t *Task) {
	kt := k.kernelTask()
	k.tasklistLock.Lock(kt)
	k.tasks = append(k.tasks, t)
	k.tasklistLock.Unlock(kt)
}

// unlist removes t from the task list.
func (k *Kernel) unlist(t *Task) {
	kt := k.kernelTask()
	k.tasklistLock.Lock(kt)
	defer k.tasklistLock.Unlock(kt)
	for i, x := range k.tasks {
		if x == t {
			k.tasks = append(k.tasks[:i], k.tasks[i+1:]...)
			return
		}
	}
}

// Shutdown exits every task, lazily unmounts every file system (deepest
// first) and shuts down the root file system, then returns every problem
// found, as text: lockdep reports, refcount reports, then leaked objects.
// Empty means clean. Calling it again returns the same result. No task may
// run concurrently with it.
func (k *Kernel) Shutdown() []string {
	kt := k.kernelTask()
	k.tasklistLock.Lock(kt)
	if k.down {
		out := k.shutdown
		k.tasklistLock.Unlock(kt)
		return out
	}
	tasks := append([]*Task(nil), k.tasks...)
	k.tasklistLock.Unlock(kt)
	sort.Slice(tasks, func(i, j int) bool { return tasks[i].pid < tasks[j].pid })
	for _, t := range tasks {
		t.ExitTask()
	}
	kt.SetSite("shutdown")
	k.vfs.Shutdown(kt)
	var detached []string
	if d, ok := k.backend.(detacher); ok {
		if n := d.Detach(kt); n != 0 {
			detached = append(detached, fmt.Sprintf("driver detached with %d minor numbers still allocated", n))
		}
	}
	kt.CheckNoneHeld()
	k.runKthreads(kt)

	var out []string
	for _, r := range k.validator.Reports() {
		out = append(out, r.String())
	}
	for _, r := range k.refs.Reports() {
		out = append(out, r.String())
	}
	for _, r := range k.refs.Leaks() {
		out = append(out, r.String())
	}
	out = append(out, detached...)
	k.tasklistLock.Lock(kt)
	k.down, k.shutdown = true, out
	k.tasklistLock.Unlock(kt)
	return out
}

// logOops records err in the kernel log if it is a backend's *hooks.Oops
// (die: the report gets the next number since boot) and returns err.
func (k *Kernel) logOops(err error) error {
	var o *hooks.Oops
	if !errors.As(err, &o) {
		return err
	}
	kt := k.kernelTask()
	k.logbufLock.Lock(kt)
	k.oopses = append(k.oopses, o.Report(len(k.oopses)+1))
	k.logbufLock.Unlock(kt)
	return err
}

// Oopses returns the kernel oops reports logged since boot, in order. An
// oops is the modelled kernel's behaviour (a bug of the seed it runs), not
// a problem of the simulator: Shutdown does not return them.
func (k *Kernel) Oopses() []string {
	kt := k.kernelTask()
	k.logbufLock.Lock(kt)
	defer k.logbufLock.Unlock(kt)
	return append([]string(nil), k.oopses...)
}

// detacher is a backend that is a driver the kernel unloads at shutdown
// (seed 004's _fini and inotify_detach): Detach says how many of its
// minor numbers were still allocated.
type detacher interface {
	Detach(cur *lockdep.Task) int
}

// Tick lets n seconds of simulated time pass: a backend with periodic
// work (hooks.Ticker, seed 004's one-second inotify_clean per instance)
// does it n times, as a kernel thread. Nothing else in the simulator
// reads time that passes by itself. No task may be in a system call
// while the kernel ticks.
func (k *Kernel) Tick(n int) {
	tk, ok := k.backend.(hooks.Ticker)
	if !ok {
		return
	}
	kt := k.validator.NewTask("ddi_periodic")
	kt.SetSite("tick")
	for i := 0; i < n; i++ {
		tk.Tick(kt)
	}
	kt.CheckNoneHeld()
}

// runKthreads runs the work the backend queued for its kernel threads, if
// it has any (hooks.Kthread): at the end of every system call and at
// shutdown, never at a time a goroutine's scheduling chooses.
func (k *Kernel) runKthreads(cur *lockdep.Task) {
	if k.kthread != nil {
		k.kthread.RunQueuedWork(cur)
	}
}
