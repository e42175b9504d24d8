package inotifyfem

// The driver's globals (seed lines 109-124), attach and detach (lines
// 1348-1416) and the module linkage (lines 1439-1500).

import (
	"sync/atomic"

	"github.com/inosim/inosim/hooks"
	"github.com/inosim/inosim/internal/kref"
	"github.com/inosim/inosim/internal/lockdep"
	"github.com/inosim/inosim/internal/personality"
	"github.com/inosim/inosim/internal/vmem"
	"github.com/inosim/inosim/uapi"
	"github.com/inosim/inosim/vfs"
)

// Lock classes of seed 004.
var (
	// InotifyLockClass is inotify_lock, the driver's global lock.
	InotifyLockClass = lockdep.NewClass("inotify_lock")
	// InsLockClass is an instance's ins_lock ("lock protecting state").
	InsLockClass = lockdep.NewClass("ins_lock")
	// InwLockClass is a watch's inw_lock ("lock protecting ref count").
	InwLockClass = lockdep.NewClass("inw_lock")
)

// The tunables' defaults (lines 112-114).
const (
	DefaultMaxWatches   = 8192  // inotify_maxwatches: per instance
	DefaultMaxEvents    = 16384 // inotify_maxevents
	DefaultMaxInstances = 128   // inotify_maxinstances: per cred_t
)

// INOTIFYMNRN_INOTIFY and INOTIFYMNRN_CLONE are the minor numbers of
// /dev/inotify and the first cloned one (sys/inotify.h).
const (
	INOTIFYMNRN_INOTIFY = 0
	INOTIFYMNRN_CLONE   = 1
)

// Inotify is the driver's global state, one per simulated kernel: the
// tunables inotify_maxwatches, inotify_maxevents and inotify_maxinstances,
// inotify_lock and the list of instances, the FEM monitor (inotify_femp)
// and the minor number arena (lines 109-124). It is the kernel's
// hooks.Backend.
type Inotify struct {
	p    *personality.P
	v    *vfs.VFS
	refs *kref.Tracker

	// The tunables inotify_maxevents, inotify_maxwatches and
	// inotify_maxinstances ("exported read-only in lx-branded zones via
	// /proc"), answering to the names of Linux's sysctls:
	// max_queued_events, max_user_watches (per instance here) and
	// max_user_instances (per cred_t). Each is read, as a plain int, at
	// inotify_open.
	hooks.InotifyTable

	femp *vfs.Fem // inotify_femp: built by inotify_attach

	// lock (inotify_lock) protects the following fields.
	lock   lockdep.Mutex
	minor  *vmem.Arena   // inotify_minor
	states *inotifyState // inotify_state: every open instance, newest first
	closed Stats         // the books of the instances closed (Books)

	stateIDs, watchIDs atomic.Uint64 // the checked objects' numbers
}

var (
	_ hooks.Backend       = (*Inotify)(nil)
	_ hooks.Ticker        = (*Inotify)(nil)
	_ hooks.StructIoctler = (*Inotify)(nil)
)

// New returns the driver loaded into a new kernel whose VFS is v: _init's
// mod_install and inotify_attach (lines 1348-1388), which build the FEM
// monitor from inotify_vnodesrc_template (fem_create) and the minor
// number arena, and the tunables' defaults. (_info and inotify_info answer
// modinfo and getinfo(9E), which nothing here asks.)
func New(p *personality.P, v *vfs.VFS) *Inotify {
	in := &Inotify{p: p, v: v, refs: v.Refs()}
	in.lock.Init(InotifyLockClass, 0)
	in.MaxQueuedEvents.Store(DefaultMaxEvents)
	in.MaxUserWatches.Store(DefaultMaxWatches)
	in.MaxUserInstances.Store(DefaultMaxInstances)
	in.femp = vfs.FemCreate("inotify_fem", inotifyVnodesrcTemplate())
	in.minor = vmem.Create("inotify_minor", INOTIFYMNRN_CLONE, 1<<32-1-INOTIFYMNRN_CLONE)
	return in
}

// Detach is _fini's mod_remove and inotify_detach (lines 1390-1416): the
// monitor and the minor arena go, under inotify_lock. The kernel detaches
// the driver at shutdown, once every task (and so every instance) is
// gone; it reports how many minors were still allocated.
func (in *Inotify) Detach(cur *lockdep.Task) int {
	in.lock.Lock(cur)
	defer in.lock.Unlock(cur)
	in.femp = nil // fem_free
	return in.minor.Destroy()
}

// Notifier returns the hooks the VFS calls: none. Seed 004 sees the file
// system through its monitors only.
func (in *Inotify) Notifier() vfs.Notifier { return vfs.NopNotifier{} }

// Tick is one second of the ddi_periodic cyclics inotify_open adds: each
// open instance's inotify_clean runs once, oldest instance first. The
// list is read under inotify_lock and each cleaner runs without it, as a
// cyclic does. The kernel ticks only between system calls.
func (in *Inotify) Tick(cur *lockdep.Task) {
	in.lock.Lock(cur)
	var states []*inotifyState
	for s := in.states; s != nil; s = s.next {
		states = append(states, s)
	}
	in.lock.Unlock(cur)
	for i := len(states) - 1; i >= 0; i-- {
		if states[i].cleaner.Load() {
			states[i].inotifyClean(cur)
		}
	}
}

// IN_REMOVAL marks the IN_IGNORED of a watch's removal, queued with
// ins_lock already held (sys/inotify.h, kernel only).
const IN_REMOVAL = uint64(1) << 32

// Masks of sys/inotify.h's kernel part (IN_CHILD_EVENTS is uapi's).
const (
	IN_UNMASKABLE = uapi.IN_UNMOUNT | uapi.IN_Q_OVERFLOW | uapi.IN_IGNORED | uapi.IN_ISDIR
	IN_MODIFIERS  = uapi.IN_EXCL_UNLINK | uapi.IN_ONESHOT
)
