package inotifyfs_test

import (
	"strings"
	"sync"
	"testing"

	"github.com/inosim/inosim/fsnotify"
	"github.com/inosim/inosim/fsnotify/inotifyfs"
	"github.com/inosim/inosim/internal/kref"
	"github.com/inosim/inosim/sim"
	"github.com/inosim/inosim/simtest"
	"github.com/inosim/inosim/uapi"
	"github.com/inosim/inosim/vfs"
)

func must(t *testing.T) func(int, error) int {
	return func(n int, err error) int {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
}

// TestGroupDestroyedWhileInodeEvicted interleaves, by hand, two directions
// of a mark's death: the instance is being released
// (fsnotify_destroy_group → fsnotify_clear_marks_by_group has detached
// the mark of /d/f and holds a reference on it) when the last close of the
// unlinked /d/f removes the inode's marks from the inode's side
// (fsnotify_inoderemove → fsnotify_destroy_marks) and evicts the inode.
// The release then frees and puts its mark, which is the last reference;
// the rest of the release runs at close. Nothing is reported, nothing
// leaks, and the inode is evicted before the mark's last put.
func TestGroupDestroyedWhileInodeEvicted(t *testing.T) {
	k := sim.NewKernel()
	defer simtest.CheckClean(t, k)
	a, b := k.NewTask(0, 0), k.NewTask(0, 0)
	if err := a.Mkdir("/d", 0o755); err != nil {
		t.Fatal(err)
	}
	b.Close(must(t)(b.Open("/d/g", uapi.O_CREAT|uapi.O_RDWR, 0o644)))
	fdF := must(t)(b.Open("/d/f", uapi.O_CREAT|uapi.O_RDWR, 0o644)) // stays open
	in := must(t)(a.InotifyInit1(0))
	must(t)(a.InotifyAddWatch(in, "/d/g", uint32(uapi.IN_ALL_EVENTS)))
	wdF := must(t)(a.InotifyAddWatch(in, "/d/f", uint32(uapi.IN_ALL_EVENTS)))
	if err := b.Unlink("/d/f"); err != nil { // open: the inode and its mark stay
		t.Fatal(err)
	}

	var (
		mu  sync.Mutex
		log []string
	)
	k.Refs().SetTracing(true, func(e kref.Entry) { mu.Lock(); log = append(log, e.String()); mu.Unlock() })

	// Task a: the start of inotify_release, by hand.
	fsn := k.Backend().(*inotifyfs.Inotify).Fsnotify()
	f, err := a.Fget(in)
	if err != nil {
		t.Fatal(err)
	}
	g := inotifyfs.GroupOf(f)
	cur := a.Cur()
	a.Enter("close")
	g.StopQueueing(cur)
	g.MarkMutex.Lock(cur)
	m := g.MarksLocked(cur)[0] // the newest: /d/f's
	if w := inotifyfs.WdOf(m); w != int32(wdF) {
		t.Fatalf("first mark has wd %d, want /d/f's %d", w, wdF)
	}
	fsnotify.GetMark(m)
	fsn.DetachMark(cur, m)
	g.MarkMutex.Unlock(cur)

	// Task b: the last close of the unlinked file kills the inode.
	if err := b.Close(fdF); err != nil {
		t.Fatal(err)
	}
	if c := m.Connector(); c == nil {
		t.Errorf("the mark left its connector before its last put")
	}

	// Task a again: free and put its mark, the last reference.
	fsn.FreeMark(cur, m)
	fsn.PutMark(cur, m)
	a.Exit()
	vfs.Fput(cur, f)
	if err := a.Close(in); err != nil { // the rest of inotify_release
		t.Fatal(err)
	}
	k.Refs().SetTracing(false, nil)

	evicted, lastPut := -1, -1
	for i, l := range log {
		if evicted < 0 && strings.HasPrefix(l, "put  inode#") && strings.Contains(l, "-> 0") {
			evicted = i
		}
		if lastPut < 0 && strings.HasPrefix(l, "put  "+m.Refcnt.Name()+" -> 0") {
			lastPut = i
		}
	}
	if evicted < 0 || lastPut < 0 || evicted > lastPut {
		t.Errorf("want the inode's last put before the mark's; got %d and %d in:\n%s", evicted, lastPut, strings.Join(log, "\n"))
	}
	for _, r := range k.Validator().Reports() {
		t.Error(r)
	}
	for _, r := range k.Refs().Reports() {
		t.Error(r)
	}
}
