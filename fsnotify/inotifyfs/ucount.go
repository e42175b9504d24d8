package inotifyfs

// kernel/ucount.c, the part inotify uses: per-user counts of instances and
// watches, each limited by a maximum of the user namespace (there is one,
// init_user_ns: /proc/sys/fs/inotify/max_user_* are its ucount_max).

import (
	"sync/atomic"

	"github.com/inosim/inosim/internal/kref"
	"github.com/inosim/inosim/internal/lockdep"
)

// UcountsLockClass is ucounts_lock, which guards the ucounts hash.
var UcountsLockClass = lockdep.NewClass("ucounts_lock")

// The counted types inotify uses (enum ucount_type).
const (
	UCOUNT_INOTIFY_INSTANCES = iota
	UCOUNT_INOTIFY_WATCHES
	ucountCounts
)

// ucounts is struct ucounts: one user's counts. Each inotify instance
// holds a reference (for its instance count) and so does each watch (for
// its watch count); the last put takes it out of the hash.
type ucounts struct {
	uid    uint32
	count  kref.Ref
	ucount [ucountCounts]atomic.Int64
}

// ucountTable is the ucounts hash of init_user_ns with its limits.
type ucountTable struct {
	max  [ucountCounts]atomic.Int64 // init_user_ns.ucount_max
	ids  atomic.Uint64
	refs *kref.Tracker

	// lock (ucounts_lock) protects hash.
	lock lockdep.Mutex
	hash map[uint32]*ucounts
}

func (t *ucountTable) init(refs *kref.Tracker) {
	t.refs = refs
	t.hash = map[uint32]*ucounts{}
	t.lock.Init(UcountsLockClass, 0)
}

// alloc returns uid's ucounts with a reference taken, making it if needed
// (alloc_ucounts).
func (t *ucountTable) alloc(cur *lockdep.Task, uid uint32) *ucounts {
	t.lock.Lock(cur)
	defer t.lock.Unlock(cur)
	if uc := t.hash[uid]; uc != nil {
		uc.count.Get()
		return uc
	}
	uc := &ucounts{uid: uid}
	uc.count.Init(t.refs, "ucounts", t.ids.Add(1), 1)
	t.hash[uid] = uc
	return uc
}

// put drops a reference (put_ucounts); the last one, taken under
// ucounts_lock (atomic_dec_and_lock), unhashes it.
func (t *ucountTable) put(cur *lockdep.Task, uc *ucounts) {
	if uc.count.PutNotLast() {
		return
	}
	t.lock.Lock(cur)
	if uc.count.Put() {
		delete(t.hash, uc.uid)
	}
	t.lock.Unlock(cur)
}

// inc counts one more of typ for uid unless that would pass the maximum,
// and returns the ucounts with a reference for it, or nil (inc_ucount).
func (t *ucountTable) inc(cur *lockdep.Task, uid uint32, typ int) *ucounts {
	uc := t.alloc(cur, uid)
	max := t.max[typ].Load()
	for {
		n := uc.ucount[typ].Load()
		if n >= max { // atomic_long_inc_below failed
			t.put(cur, uc)
			return nil
		}
		if uc.ucount[typ].CompareAndSwap(n, n+1) {
			return uc
		}
	}
}

// dec uncounts one of typ and drops its reference (dec_ucount).
func (t *ucountTable) dec(cur *lockdep.Task, uc *ucounts, typ int) {
	uc.ucount[typ].Add(-1)
	t.put(cur, uc)
}
