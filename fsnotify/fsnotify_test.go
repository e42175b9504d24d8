package fsnotify_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/inosim/inosim/fsnotify"
	"github.com/inosim/inosim/fsnotify/inotifyfs"
	"github.com/inosim/inosim/inode"
	"github.com/inosim/inosim/internal/kref"
	"github.com/inosim/inosim/internal/lockdep"
	"github.com/inosim/inosim/sim"
	"github.com/inosim/inosim/simtest"
	"github.com/inosim/inosim/uapi"
	"github.com/inosim/inosim/vfs"
)

// slowOps is a group whose handle_inode_event can be made to wait: a
// listener that sleeps inside fsnotify(), in the SRCU read-side section.
type slowOps struct {
	mu      sync.Mutex
	events  []uapi.Mask
	inside  chan struct{} // closed when the first event arrives
	release chan struct{} // the first event returns when this is closed
}

func newSlowOps() *slowOps {
	return &slowOps{inside: make(chan struct{}), release: make(chan struct{})}
}

func (o *slowOps) HandleInodeEvent(cur *lockdep.Task, m *fsnotify.Mark, mask uapi.Mask, ino, dir *inode.Inode, name string, cookie uint32) {
	o.mu.Lock()
	o.events = append(o.events, mask)
	first := len(o.events) == 1
	o.mu.Unlock()
	if first {
		close(o.inside)
		<-o.release
	}
}
func (o *slowOps) FreeGroupPriv(*lockdep.Task, *fsnotify.Group)               {}
func (o *slowOps) FreeEvent(*lockdep.Task, *fsnotify.Group, *fsnotify.Event)  {}
func (o *slowOps) FreeingMark(*lockdep.Task, *fsnotify.Mark, *fsnotify.Group) {}
func (o *slowOps) FreeMark(*lockdep.Task, *fsnotify.Mark)                     {}

// fsnotifyOf returns the fs/notify of a kernel of personality linux.
func fsnotifyOf(t *testing.T, k *sim.Kernel) *fsnotify.Fsnotify {
	in, ok := k.Backend().(*inotifyfs.Inotify)
	if !ok {
		t.Fatalf("backend %T, want today's inotifyfs", k.Backend())
	}
	return in.Fsnotify()
}

// inodeAt returns the inode at path (the walk's reference is dropped: the
// file system's dentry keeps it).
func inodeAt(t *testing.T, k *sim.Kernel, task *sim.Task, path string) *inode.Inode {
	pth, err := k.VFS().Walk(task.Ctx(), path, vfs.LOOKUP_FOLLOW)
	if err != nil {
		t.Fatal(err)
	}
	defer pth.Put(task.Cur())
	return pth.Dentry.Inode(task.Cur())
}

// logger merges the lock trace and the reference histories of every task
// into one log, in the order things happened.
type logger struct {
	mu    sync.Mutex
	lines []string
}

func (l *logger) add(s string) {
	l.mu.Lock()
	l.lines = append(l.lines, s)
	l.mu.Unlock()
}

// index returns the first line at or after from that contains every sub,
// or -1.
func (l *logger) index(from int, subs ...string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := from; i < len(l.lines); i++ {
		all := true
		for _, s := range subs {
			all = all && strings.Contains(l.lines[i], s)
		}
		if all {
			return i
		}
	}
	return -1
}

// TestMarkFreedAfterReaderLeaves: a listener is inside fsnotify() (in the
// SRCU read-side section, without a reference on the mark it is handling)
// when the mark is destroyed and its last reference dropped. The reaper,
// run meanwhile, waits in synchronize_srcu; the mark and its connector are
// freed only once the reader has left, as the merged lock and reference
// log shows.
func TestMarkFreedAfterReaderLeaves(t *testing.T) {
	k := sim.NewKernel()
	defer simtest.CheckClean(t, k)
	fs := fsnotifyOf(t, k)
	main, writer := k.NewTask(0, 0), k.NewTask(0, 0)
	if err := main.Mkdir("/d", 0o755); err != nil {
		t.Fatal(err)
	}
	fd, err := main.Open("/d/f", uapi.O_CREAT|uapi.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	main.Close(fd)
	ino := inodeAt(t, k, main, "/d/f")
	cur := main.Cur()

	ops := newSlowOps()
	g := fs.AllocGroup(ops)
	m := new(fsnotify.Mark)
	fs.InitMark(m, g)
	m.Lock.Lock(cur)
	m.SetMaskLocked(cur, uapi.IN_ATTRIB)
	m.Lock.Unlock(cur)
	g.MarkMutex.Lock(cur)
	if err := fs.AddInodeMarkLocked(cur, m, ino, false); err != nil {
		t.Fatal(err)
	}
	g.MarkMutex.Unlock(cur)
	fs.PutMark(cur, m) // the creator's reference: the group's list holds the mark now

	var log logger
	k.Refs().SetTracing(true, func(e kref.Entry) { log.add(e.String()) })
	k.Validator().SetTrace(func(e lockdep.TraceEvent) { log.add(e.Task + " " + e.String()) })

	chmodDone := make(chan error, 1)
	go func() { chmodDone <- writer.Chmod("/d/f", 0o600) }() // IN_ATTRIB: the reader
	<-ops.inside

	// The mark dies while the reader stands on it.
	fs.DestroyMark(cur, m, g)
	if m.Refcnt.Count() != 0 {
		t.Fatalf("mark count %d after its destruction, want 0 (the last put done)", m.Refcnt.Count())
	}
	waiting := make(chan struct{})
	var once sync.Once
	fs.MarkSrcu.SetWaitHook(func() { once.Do(func() { close(waiting) }) })
	reaped := make(chan struct{})
	kworker := k.Validator().NewTask("kworker")
	go func() { fs.RunQueuedWork(kworker); close(reaped) }() // the reaper's kernel thread
	<-waiting
	log.add("test: the reaper waits for the reader")
	close(ops.release)
	<-reaped
	if err := <-chmodDone; err != nil {
		t.Fatal(err)
	}
	fs.MarkSrcu.SetWaitHook(nil)

	name := m.Refcnt.Name()
	lastPut := log.index(0, "put  "+name+" -> 0")
	waits := log.index(0, "test: the reaper waits")
	readerOut := log.index(waits, writer.Cur().Name(), "unlock fsnotify_mark_srcu")
	freed := log.index(0, "free "+name)
	connFreed := log.index(0, "free fsnotify_mark_connector#")
	if lastPut < 0 || waits < 0 || readerOut < 0 || freed < 0 || connFreed < 0 ||
		!(lastPut < waits && waits < readerOut && readerOut < freed && readerOut < connFreed) {
		t.Errorf("want the last put, then the reaper waiting, then the reader leaving, then the frees; got positions %d %d %d %d %d in:\n%s",
			lastPut, waits, readerOut, freed, connFreed, strings.Join(log.lines, "\n"))
	}
	if len(ops.events) != 1 || ops.events[0] != uapi.IN_ATTRIB {
		t.Errorf("events %v, want one IN_ATTRIB", ops.events)
	}
	k.Validator().SetTrace(nil)
	k.Refs().SetTracing(false, nil)
	fs.DestroyGroup(cur, g)
	for _, r := range k.Validator().Reports() {
		t.Error(r)
	}
}

// TestOneshotInsideFsnotify: an IN_ONESHOT mark is destroyed from inside
// fsnotify() (inotify_handle_inode_event → fsnotify_destroy_mark, under
// the SRCU read side): it takes mark_mutex there, and the walk goes on to
// the next group's mark.
func TestOneshotInsideFsnotify(t *testing.T) {
	k := sim.NewKernel()
	defer simtest.CheckClean(t, k)
	task := k.NewTask(0, 0)
	if err := task.Mkdir("/d", 0o755); err != nil {
		t.Fatal(err)
	}
	var fds, wds []int
	for i, mask := range []uapi.Mask{uapi.IN_CREATE | uapi.IN_ONESHOT, uapi.IN_CREATE} {
		fd, err := task.InotifyInit1(uapi.IN_NONBLOCK)
		if err != nil {
			t.Fatal(err)
		}
		wd, err := task.InotifyAddWatch(fd, "/d", uint32(mask))
		if err != nil {
			t.Fatalf("watch %d: %v", i, err)
		}
		fds, wds = append(fds, fd), append(wds, wd)
	}
	for _, name := range []string{"/d/a", "/d/b"} {
		if err := task.Mkdir(name, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{
		fmt.Sprintf("[{%d IN_CREATE|IN_ISDIR 0 a} {%d IN_IGNORED 0 }]", wds[0], wds[0]),
		fmt.Sprintf("[{%d IN_CREATE|IN_ISDIR 0 a} {%d IN_CREATE|IN_ISDIR 0 b}]", wds[1], wds[1]),
	}
	for i, fd := range fds {
		b, err := task.Read(fd, 4096)
		if err != nil {
			t.Fatal(err)
		}
		evs, _ := uapi.Decode(b)
		var got []string
		for _, e := range evs {
			got = append(got, fmt.Sprintf("{%d %v %d %s}", e.Wd, e.Mask, e.Cookie, e.Name))
		}
		if s := "[" + strings.Join(got, " ") + "]"; s != want[i] {
			t.Errorf("instance %d read %s, want %s", i, s, want[i])
		}
	}
	for _, r := range k.Validator().Reports() {
		t.Error(r)
	}
}
