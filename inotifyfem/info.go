package inotifyfem

// What tests and invariant checks see of the driver: a snapshot of an
// instance, the driver's books over every instance it had, and the checks
// of the structures seed 004 keeps consistent under ins_lock.

import (
	"fmt"
	"syscall"

	"github.com/inosim/inosim/hooks"
	"github.com/inosim/inosim/internal/lockdep"
	"github.com/inosim/inosim/uapi"
	"github.com/inosim/inosim/vfs"
)

// ChildInfo describes a child watch.
type ChildInfo struct {
	Name     string
	Mask     uapi.Mask
	Orphaned bool
	Refcnt   int32
}

// WatchInfo describes a top-level watch and its children, by vnode.
type WatchInfo struct {
	Wd       int32
	Mask     uapi.Mask
	Active   bool
	Refcnt   int32
	Children []ChildInfo
}

// Info is a snapshot of an instance.
type Info struct {
	Watches    []WatchInfo // by wd
	Orphans    int
	Zombies    int
	Events     []uapi.Event // the queue, oldest first
	Size       int          // ins_size
	MaxEvents  int
	MaxWatches int
	Stats      Stats
}

// instance returns the instance behind c's fd, with a reference on its
// file: EBADF for no file, EINVAL for a file that is no instance.
func instance(c hooks.Caller, fd int) (*inotifyState, *vfs.File, error) {
	f, err := c.Fget(fd)
	if err != nil {
		return nil, nil, err
	}
	state, ok := f.Ops.(*inotifyState)
	if !ok {
		vfs.Fput(c.Cur(), f)
		return nil, nil, syscall.EINVAL
	}
	return state, f, nil
}

// InfoOf describes the instance behind c's fd.
func InfoOf(c hooks.Caller, fd int) (Info, error) {
	state, f, err := instance(c, fd)
	if err != nil {
		return Info{}, err
	}
	defer vfs.Fput(c.Cur(), f)
	cur := c.Cur()
	state.lock.Lock(cur)
	defer state.lock.Unlock(cur)
	info := Info{Size: int(state.size), MaxEvents: state.maxevents, MaxWatches: state.maxwatches, Stats: state.stats}
	for _, w := range state.bywd.all() {
		wi := WatchInfo{Wd: w.wd.Load(), Mask: uapi.Mask(w.mask.Load()), Active: w.active, Refcnt: w.refcnt.Count()}
		for _, ch := range w.children.all() {
			wi.Children = append(wi.Children, ChildInfo{Name: ch.name, Mask: uapi.Mask(ch.mask.Load()),
				Orphaned: ch.orphaned, Refcnt: ch.refcnt.Count()})
		}
		info.Watches = append(info.Watches, wi)
	}
	for w := state.orphans; w != nil; w = w.orphanNext {
		info.Orphans++
	}
	for w := state.zombies; w != nil; w = w.parent.Load() {
		info.Zombies++
	}
	for e := state.head; e != nil; e = e.next {
		info.Events = append(info.Events, uapi.Event{Wd: e.wd, Mask: uapi.Mask(e.mask), Cookie: e.cookie, Name: e.name})
	}
	return info, nil
}

// Books returns the driver's books over every instance it had, open or
// closed, and the events queued now: every event offered was queued or
// merged, and every event queued was read, flushed at close, or is still
// queued.
func (in *Inotify) Books(cur *lockdep.Task) (Stats, int) {
	in.lock.Lock(cur)
	total := in.closed
	var states []*inotifyState
	for s := in.states; s != nil; s = s.next {
		states = append(states, s)
	}
	in.lock.Unlock(cur)
	queued := 0
	for _, s := range states {
		s.lock.Lock(cur)
		total = total.add(s.stats)
		queued += s.nevents
		s.lock.Unlock(cur)
	}
	return total, queued
}

func (s Stats) add(t Stats) Stats {
	return Stats{Offered: s.Offered + t.Offered, Queued: s.Queued + t.Queued, Merged: s.Merged + t.Merged,
		Overflowed: s.Overflowed + t.Overflowed, Read: s.Read + t.Read, Flushed: s.Flushed + t.Flushed}
}

// Check reports every way the instance behind c's fd breaks the rules its
// structures keep when no vnode operation is in flight: the trees agree,
// each watch has its wd, its monitor and the references its place gives
// it (its instance's, its monitor list's, one per child), each child its
// parent's, the orphan list holds the orphaned children, every zombie is
// down to its instance's reference, and the queue's counts are its
// events'. Empty means consistent.
func Check(c hooks.Caller, fd int) []string {
	state, f, err := instance(c, fd)
	if err != nil {
		return []string{err.Error()}
	}
	defer vfs.Fput(c.Cur(), f)
	cur := c.Cur()
	v := state.in.v
	state.lock.Lock(cur)
	defer state.lock.Unlock(cur)
	var bad []string
	report := func(format string, args ...any) { bad = append(bad, fmt.Sprintf(format, args...)) }
	if state.bywd.numnodes() != state.byvp.numnodes() || state.wds.InUse() != state.bywd.numnodes() {
		report("%d watches by wd, %d by vnode, %d wds allocated", state.bywd.numnodes(), state.byvp.numnodes(), state.wds.InUse())
	}
	orphans := map[*inotifyWatch]bool{}
	for w := state.orphans; w != nil; w = w.orphanNext {
		orphans[w] = true
	}
	seen := 0
	for _, w := range state.bywd.all() {
		wd := w.wd.Load()
		if state.byvp.find(cmpVp(w.vp)) != w || wd < 1 || w.zombie || w.parent.Load() != nil {
			report("watch wd %d: not a live top-level watch in both trees", wd)
		}
		if !v.FemIsInstalled(cur, w.vp, state.in.femp, w) {
			report("watch wd %d: no monitor on its vnode", wd)
		}
		if n, want := w.refcnt.Count(), int32(2+w.children.numnodes()); n != want {
			report("watch wd %d: %d references, want %d (instance, monitor, %d children)", wd, n, want, w.children.numnodes())
		}
		for _, ch := range w.children.all() {
			switch {
			case ch.parent.Load() != w || ch.zombie || ch.wd.Load() != 0:
				report("child %q of wd %d: not a live child of it", ch.name, wd)
			case ch.mask.Load()&^uint32(uapi.IN_CHILD_EVENTS) != 0:
				report("child %q of wd %d: mask %v beyond the child events", ch.name, wd, uapi.Mask(ch.mask.Load()))
			case ch.refcnt.Count() != 2:
				report("child %q of wd %d: %d references, want 2", ch.name, wd, ch.refcnt.Count())
			case !v.FemIsInstalled(cur, ch.vp, state.in.femp, ch):
				report("child %q of wd %d: no monitor on its vnode", ch.name, wd)
			case ch.orphaned != orphans[ch]:
				report("child %q of wd %d: orphaned %v, on the orphan list %v", ch.name, wd, ch.orphaned, orphans[ch])
			}
			if ch.orphaned {
				seen++
			}
		}
	}
	if seen != len(orphans) {
		report("%d orphans listed, %d orphaned children", len(orphans), seen)
	}
	for w := state.zombies; w != nil; w = w.parent.Load() {
		if !w.zombie || w.refcnt.Count() != 1 {
			report("zombie %d: zombie %v with %d references", w.id, w.zombie, w.refcnt.Count())
		}
	}
	n, size := 0, int32(0)
	var last *inotifyKevent
	for e := state.head; e != nil; e = e.next {
		n++
		size += int32(e.size())
		last = e
	}
	if n != state.nevents || size != state.size || last != state.tail {
		report("queue: %d events of %d bytes, ins_nevents %d, ins_size %d", n, size, state.nevents, state.size)
	}
	if st := state.stats; st.Offered != st.Queued+st.Merged || st.Queued != st.Read+state.nevents {
		report("books: %+v with %d queued", st, state.nevents)
	}
	return bad
}
