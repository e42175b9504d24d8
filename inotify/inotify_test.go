package inotify

import (
	"errors"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/inosim/inosim/dentry"
	"github.com/inosim/inosim/inode"
	"github.com/inosim/inosim/internal/kref"
	"github.com/inosim/inosim/internal/lockdep"
	"github.com/inosim/inosim/internal/personality"
	"github.com/inosim/inosim/uapi"
)

// auditConsumer is a second in-kernel consumer of the handle API, like the
// audit subsystem seed 001 was written for: it records events, frees its
// watches on IN_IGNORED and after a oneshot watch's event (testing the
// watch's mask, as the device learnt to with ac74c00e499e), and counts destroyed
// watches.
type auditConsumer struct {
	events    []uapi.Event
	destroyed int
}

func (a *auditConsumer) HandleEvent(cur *lockdep.Task, w *InotifyWatch, wd int32, mask uapi.Mask, cookie uint32, name string) {
	a.events = append(a.events, uapi.Event{Wd: wd, Mask: mask, Cookie: cookie, Name: name})
	if mask&uapi.IN_IGNORED != 0 || w.mask&uapi.IN_ONESHOT != 0 {
		PutInotifyWatch(cur, w) // the consumer's final put
	}
}

func (a *auditConsumer) DestroyWatch(cur *lockdep.Task, w *InotifyWatch) { a.destroyed++ }

type fixture struct {
	cur  *lockdep.Task
	v    *lockdep.Validator
	refs *kref.Tracker
	env  *Inotify
	sb   *inode.SuperBlock
	dc   *dentry.Dcache
}

func newFixture(t *testing.T, p *personality.P) *fixture {
	v := lockdep.NewValidator()
	refs := kref.NewTracker()
	c := inode.NewIcache(refs)
	sb := inode.NewSuperBlock(c, 1, nil)
	dc := dentry.NewDcache(refs, nil)
	f := &fixture{cur: v.NewTask("task/1"), v: v, refs: refs, env: New(p, dc, refs), sb: sb, dc: dc}
	t.Cleanup(func() {
		for _, r := range v.Reports() {
			t.Errorf("lockdep: %s", r)
		}
		for _, r := range refs.Reports() {
			t.Errorf("kref: %s", r)
		}
	})
	return f
}

func (f *fixture) newInode() *inode.Inode {
	return inode.New(f.cur, f.sb, inode.S_IFREG|0o644, 0, 0, 0)
}

func (f *fixture) add(t *testing.T, ih *InotifyHandle, ino *inode.Inode, mask uapi.Mask) int32 {
	t.Helper()
	if wd, err := ih.FindUpdateWatch(f.cur, ino, mask); err == nil {
		return wd
	} else if !errors.Is(err, syscall.ENOENT) {
		t.Fatalf("find_update: %v", err)
	}
	wd, err := ih.AddWatch(f.cur, &InotifyWatch{}, ino, mask)
	if err != nil {
		t.Fatalf("add_watch: %v", err)
	}
	return wd
}

func TestWdSequenceNoReuse(t *testing.T) {
	f := newFixture(t, personality.Linux2625)
	a := &auditConsumer{}
	ih := f.env.InotifyInit(a)
	inos := []*inode.Inode{f.newInode(), f.newInode(), f.newInode(), f.newInode()}
	var wds []int32
	for _, ino := range inos[:3] {
		wds = append(wds, f.add(t, ih, ino, uapi.IN_MODIFY))
	}
	if err := ih.RmWd(f.cur, 2); err != nil {
		t.Fatal(err)
	}
	wds = append(wds, f.add(t, ih, inos[3], uapi.IN_MODIFY))
	if !cmp.Equal(wds, []int32{1, 2, 3, 4}) {
		t.Errorf("wds %v, want [1 2 3 4]", wds)
	}
	if err := ih.RmWd(f.cur, 2); !errors.Is(err, syscall.EINVAL) {
		t.Errorf("second rm of wd 2: %v, want EINVAL", err)
	}
	// Same inode again: same wd.
	if wd := f.add(t, ih, inos[0], uapi.IN_ATTRIB); wd != 1 {
		t.Errorf("re-add gave wd %d, want 1", wd)
	}
	want := []uapi.Event{{Wd: 2, Mask: uapi.IN_IGNORED}}
	if d := cmp.Diff(want, a.events); d != "" {
		t.Errorf("events (-want +got):\n%s", d)
	}
	ih.Destroy(f.cur)
	if a.destroyed != 4 {
		t.Errorf("destroyed %d watches, want 4", a.destroyed)
	}
	for _, ino := range inos {
		if ino.Count.Count() != 1 || ino.Watched() {
			t.Errorf("inode %d: count %d watched %v after destroy", ino.Ino, ino.Count.Count(), ino.Watched())
		}
		inode.Iput(f.cur, ino)
	}
	if live := f.refs.Live(); len(live) != 0 {
		t.Errorf("leaked: %v", live)
	}
}

func TestQueueEventMaskOneshotAndDeath(t *testing.T) {
	f := newFixture(t, personality.Linux2625)
	a := &auditConsumer{}
	ih := f.env.InotifyInit(a)
	ino := f.newInode()
	wd := f.add(t, ih, ino, uapi.IN_MODIFY|uapi.IN_ONESHOT)
	f.env.InodeQueueEvent(f.cur, ino, uapi.IN_ATTRIB, 0, "") // not in the mask
	f.env.InodeQueueEvent(f.cur, ino, uapi.IN_MODIFY, 0, "")
	f.env.InodeQueueEvent(f.cur, ino, uapi.IN_MODIFY, 0, "") // watch gone
	// Seed 001: the watch goes silently before its one event.
	want := []uapi.Event{{Wd: wd, Mask: uapi.IN_MODIFY}}
	if d := cmp.Diff(want, a.events); d != "" {
		t.Errorf("ONESHOT (-want +got):\n%s", d)
	}
	if a.destroyed != 1 {
		t.Errorf("oneshot watch destroyed %d times, want 1", a.destroyed)
	}
	// Inode death removes every watch with IN_IGNORED.
	a.events = nil
	wd2 := f.add(t, ih, ino, uapi.IN_DELETE_SELF)
	f.env.InodeQueueEvent(f.cur, ino, uapi.IN_DELETE_SELF, 0, "")
	f.env.InodeIsDead(f.cur, ino)
	want = []uapi.Event{{Wd: wd2, Mask: uapi.IN_DELETE_SELF}, {Wd: wd2, Mask: uapi.IN_IGNORED}}
	if d := cmp.Diff(want, a.events); d != "" {
		t.Errorf("death (-want +got):\n%s", d)
	}
	if wd2 == wd {
		t.Errorf("re-added watch reused wd %d", wd)
	}
	ih.Destroy(f.cur)
	inode.Iput(f.cur, ino)
	if live := f.refs.Live(); len(live) != 0 {
		t.Errorf("leaked: %v", live)
	}
}

// TestMaskUpdateRules: IN_MASK_ADD ORs, a plain re-add replaces, and only
// IN_ALL_EVENTS|IN_ONESHOT is kept: a mask of flags alone is EINVAL, an
// existing watch untouched (seed 001's find_update_watch).
func TestMaskUpdateRules(t *testing.T) {
	f := newFixture(t, personality.Linux2625)
	ih := f.env.InotifyInit(&auditConsumer{})
	ino := f.newInode()
	f.add(t, ih, ino, uapi.IN_ATTRIB|uapi.IN_ONESHOT)
	mask := func() uapi.Mask { w, _ := ih.Find(f.cur, 1); return w.mask }
	f.add(t, ih, ino, uapi.IN_MODIFY|uapi.IN_MASK_ADD)
	if m := mask(); m != uapi.IN_ATTRIB|uapi.IN_MODIFY|uapi.IN_ONESHOT {
		t.Errorf("MASK_ADD kept %v", m)
	}
	f.add(t, ih, ino, uapi.IN_MODIFY|uapi.IN_DONT_FOLLOW)
	if m := mask(); m != uapi.IN_MODIFY {
		t.Errorf("plain re-add gave %v, want IN_MODIFY (ONESHOT and the flag gone)", m)
	}
	if _, err := ih.FindUpdateWatch(f.cur, ino, uapi.IN_DONT_FOLLOW); !errors.Is(err, syscall.EINVAL) {
		t.Errorf("flags-only re-add: %v, want EINVAL", err)
	}
	if m := mask(); m != uapi.IN_MODIFY {
		t.Errorf("a failed re-add left %v", m)
	}
	ih.Destroy(f.cur)
	inode.Iput(f.cur, ino)
}
