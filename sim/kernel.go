package sim

import (
	"fmt"
	"sort"
	"sync/atomic"

	"github.com/inosim/inosim/hooks"
	"github.com/inosim/inosim/internal/kref"
	"github.com/inosim/inosim/internal/lockdep"
	"github.com/inosim/inosim/internal/personality"
	"github.com/inosim/inosim/vfs"
)

// TasklistLockClass is the class of the kernel's task list lock.
var TasklistLockClass = lockdep.NewClass("tasklist_lock")

// Kernel is one simulated machine.
type Kernel struct {
	validator *lockdep.Validator
	refs      *kref.Tracker
	vfs       *vfs.VFS
	pids      atomic.Int32
	backend   hooks.Backend // the personality's inotify
	p         *personality.P

	// tasklistLock (tasklist_lock) protects the following fields.
	tasklistLock lockdep.Mutex
	tasks        []*Task // live tasks, by pid
	shutdown     []string
	down         bool
}

// Option configures NewKernel.
type Option func(*options)

type options struct {
	checks      bool
	notifier    vfs.Notifier
	personality *personality.P
}

// WithPersonality selects the inotify version the kernel behaves as
// (default: today's Linux).
func WithPersonality(p *personality.P) Option { return func(o *options) { o.personality = p } }

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
	k := &Kernel{validator: lockdep.NewValidator(), refs: kref.NewTracker()}
	k.validator.SetEnabled(o.checks)
	// Recording every acquisition's call site costs most of checked time;
	// new edges and reports record theirs anyway, and tracing turns it on.
	k.validator.SetSiteCapture(false)
	k.refs.SetEnabled(o.checks)
	k.tasklistLock.Init(TasklistLockClass, 0)
	k.p = o.personality
	k.vfs = vfs.New(vfs.Options{Validator: k.validator, Refs: k.refs, P: k.p,
		NewNotifier: func(v *vfs.VFS) vfs.Notifier {
			k.backend = newBackend(k.p, v)
			if o.notifier != nil {
				return o.notifier
			}
			return k.backend.Notifier()
		}})
	return k
}

// Backend returns the kernel's inotify backend (the personality's).
func (k *Kernel) Backend() hooks.Backend { return k.backend }

// Validator returns the kernel's lock validator.
func (k *Kernel) Validator() *lockdep.Validator { return k.validator }

// Refs returns the kernel's refcount tracker.
func (k *Kernel) Refs() *kref.Tracker { return k.refs }

// VFS returns the kernel's VFS.
func (k *Kernel) VFS() *vfs.VFS { return k.vfs }

// kernelTask returns a lockdep task for work done outside any simulated
// task (booting, the task list, shutdown).
func (k *Kernel) kernelTask() *lockdep.Task { return k.validator.NewTask("kthread") }

// NewTask creates a task with pid 1, 2, ... running as uid:gid with no
// supplementary groups, its root and cwd at "/".
func (k *Kernel) NewTask(uid, gid uint32) *Task {
	pid := int(k.pids.Add(1))
	t := &Task{k: k, pid: pid, cur: k.validator.NewTask(fmt.Sprintf("task/%d", pid))}
	t.ctx = k.vfs.NewContext(t.cur, vfs.Cred{Uid: uid, Gid: gid})
	t.fileLock.Init(FileLockClass, uint64(pid))
	t.fds = make(map[int]*fdEntry)
	kt := k.kernelTask()
	k.tasklistLock.Lock(kt)
	k.tasks = append(k.tasks, t)
	k.tasklistLock.Unlock(kt)
	return t
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
	kt.CheckNoneHeld()
	k.runKthreads()

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
	k.tasklistLock.Lock(kt)
	k.down, k.shutdown = true, out
	k.tasklistLock.Unlock(kt)
	return out
}

// runKthreads runs the work the backend queued for its kernel threads, if
// it has any (hooks.Kthread): at the end of every system call and at
// shutdown, never at a time a goroutine's scheduling chooses.
func (k *Kernel) runKthreads() {
	if kt, ok := k.backend.(hooks.Kthread); ok {
		kt.RunQueuedWork()
	}
}
