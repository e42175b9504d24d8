package sim_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/inosim/inosim/internal/kref"
	"github.com/inosim/inosim/internal/lockdep"
	"github.com/inosim/inosim/scenario"
	"github.com/inosim/inosim/sim"
	"github.com/inosim/inosim/simrun"
	"github.com/inosim/inosim/simtest"
	"github.com/inosim/inosim/uapi"
)

// traceWrite writes one byte to path and returns the lock and reference
// operations the write made.
func traceWrite(t *testing.T, k *sim.Kernel, task *sim.Task, path string) []string {
	t.Helper()
	fd, err := task.Open(path, uapi.O_CREAT|uapi.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	var ops []string
	k.Validator().SetTrace(func(ev lockdep.TraceEvent) { ops = append(ops, ev.String()) })
	k.Refs().SetTracing(true, func(en kref.Entry) { ops = append(ops, en.String()) })
	if _, err := task.Write(fd, []byte("x")); err != nil {
		t.Fatal(err)
	}
	k.Validator().SetTrace(nil)
	k.Refs().SetTracing(false, nil)
	if err := task.Close(fd); err != nil {
		t.Fatal(err)
	}
	return ops
}

func grep(ops []string, subs ...string) []string {
	var out []string
	for _, op := range ops {
		for _, s := range subs {
			if strings.Contains(op, s) {
				out = append(out, op)
				break
			}
		}
	}
	return out
}

// TestUnwatchedParentCostsNothing: as in inotify_dentry_parent_queue_event,
// the parent-watched flag is read before d_lock, so a write to a file in an
// unwatched directory takes no d_lock and no dentry reference, while other
// directories are watched; in a watched one it takes both.
func TestUnwatchedParentCostsNothing(t *testing.T) {
	k := sim.NewKernel()
	defer simtest.CheckClean(t, k)
	task := k.NewTask(0, 0)
	for _, d := range []string{"/quiet", "/busy"} {
		if err := task.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	in, err := task.InotifyInit()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := task.InotifyAddWatch(in, "/busy", uint32(uapi.IN_MODIFY)); err != nil {
		t.Fatal(err)
	}
	if bad := grep(traceWrite(t, k, task, "/quiet/f"), "dentry->d_lock", "dentry#"); len(bad) > 0 {
		t.Errorf("write in an unwatched directory:\n%s", strings.Join(bad, "\n"))
	}
	busy := traceWrite(t, k, task, "/busy/f")
	if len(grep(busy, "lock   dentry->d_lock")) == 0 || len(grep(busy, "get  dentry#")) == 0 {
		t.Errorf("write in a watched directory took no d_lock or no dentry reference:\n%s", strings.Join(busy, "\n"))
	}
}

// seed000Corpus exercises every path of seed 000's backend that takes a
// lock or a reference: add and re-add, events on a watched directory and
// file, a rename over a watched target, unlink and rmdir of watched inodes,
// rm_watch, reads (a short one too), FIONREAD, poll, the non-inotify-fd
// oopses, umount with watches and release with watches.
const seed000Corpus = `personality linux-2.6.13
sysctl max_queued_events=4
mkdir /d
mkdir /d/sub
creat /d/f
creat /d/t
mkdir /m
mount tmpfs /m
creat /m/g
i = inotify_init
w = inotify_add_watch i /d IN_ALL_EVENTS
inotify_add_watch i /d IN_CREATE|IN_DELETE
inotify_add_watch i /d/t IN_ALL_EVENTS
inotify_add_watch i /d/sub IN_ALL_EVENTS
inotify_add_watch i /m/g IN_ALL_EVENTS
f = open /d/f O_RDWR
write f hello
lseek f 0
read f 5
close f
rename /d/f /d/t
read i 16
fionread i
read i
unlink /d/t
rmdir /d/sub
inotify_add_watch f /d IN_CREATE
inotify_add_watch i /d IN_CREATE
inotify_rm_watch i w
inotify_rm_watch i 77
g = open /m/g O_RDONLY
inotify_add_watch g /d IN_CREATE
inotify_rm_watch g 0
close g
umount /m
j = inotify_init
inotify_add_watch j /d IN_ALL_EVENTS
creat /d/x
close j
read i
close i
`

// TestSeed000TracesOnlyItsOwn: under personality linux-2.6.13, every lock
// and every refcounted object the trace names is seed 000's (dev->sem,
// inode->inotify_sem, inotify_device, inotify_watch) or the VFS's and the
// task's; none is seed 001/002's.
func TestSeed000TracesOnlyItsOwn(t *testing.T) {
	src := []byte(seed000Corpus)
	f, err := scenario.Parse("seed000.scen", src)
	if err != nil {
		t.Fatal(err)
	}
	res, locks, objects := traceKinds(t, f)
	for _, p := range res.Problems {
		t.Error(p)
	}
	if len(res.Oopses) != 2 {
		t.Errorf("%d oopses logged, want the corpus's 2:\n%s", len(res.Oopses), strings.Join(res.Oopses, "\n"))
	}
	seed000Locks := []string{"dev->sem", "inode->inotify_sem"}
	vfsLocks := []string{"inode->i_mutex", "inode_lock", "iprune_mutex", "dcache_lock", "dentry->d_lock",
		"rename_lock", "namespace_sem", "sb->s_vfs_rename_mutex", "mount_lock", "file->f_pos_lock",
		"files->file_lock", "tasklist_lock", "logbuf_lock"}
	onlyOwnAndVFS(t, "seed 000", locks, objects, seed000Locks, []string{"inotify_device", "inotify_watch"},
		vfsLocks, []string{"file", "inode", "dentry", "mount"})
}

// seed004Corpus exercises every path of seed 004's backend that takes a
// lock or a reference: libc's inotify_add_watch (its open, readdir, child
// watches, activation and close) and re-adds, the raw ioctls, the monitors
// of every vnode operation and vnevent (create, link, mkdir, open, read,
// readdir, remove, rmdir, setattr, write, close; rename in, out and over;
// a failed unlink), a one-shot (a zombie), an orphan and the cleaner,
// overflow, FIONREAD, poll, umount refused and allowed, and close with
// watches and events.
const seed004Corpus = `personality illumos
sysctl max_queued_events=6
mkdir /d
mkdir /e
mkdir /d/sub
creat /d/f
creat /d/t
mkdir /m
mount tmpfs /m
creat /m/g
i = inotify_init
w = inotify_add_watch i /d IN_ALL_EVENTS
inotify_add_watch i /d IN_CREATE|IN_MASK_ADD
wt = inotify_add_watch i /d/t IN_ALL_EVENTS|IN_ONESHOT
wm = inotify_add_watch i /m IN_ATTRIB
umount /m => EBUSY
f = open /d/f O_RDWR
write f hello
lseek f 0
read f 5
unlink /d/f
write f again
close f
tick
link /d/t /d/t2
rename /d/t /d/u
rename /d/t2 /e/t2
rename /e/t2 /d/back
rename /d/u /d/back
unlink /d/sub => EPERM
rmdir /d/sub
readdir /d
chmod /d 0700
fionread i
read i 24
read i
d = open /d O_RDONLY
j = inotify_init
v = inotifyioc_add_watch j d IN_ATTRIB
inotifyioc_add_child j d back
inotifyioc_activate j v
chmod /d/back 0600
inotify_rm_watch j v
close d
inotify_rm_watch i wm
umount /m
tick
close j
close i
`

// TestSeed004TracesOnlyItsOwn: under personality illumos, every lock and
// every refcounted object the trace names is seed 004's (inotify_lock,
// ins_lock, inw_lock, inotify_state, inotify_watch) or the VFS's and the
// task's, FEM's femh_lock and fem_list among them; none is a Linux
// inotify's.
func TestSeed004TracesOnlyItsOwn(t *testing.T) {
	f, err := scenario.Parse("seed004.scen", []byte(seed004Corpus))
	if err != nil {
		t.Fatal(err)
	}
	res, locks, objects := traceKinds(t, f)
	for _, p := range res.Problems {
		t.Error(p)
	}
	for i, o := range res.Outcomes {
		if c := f.Commands[i]; o.Err != "" && (c.Expect == nil || c.Expect.Errno != o.Err) {
			t.Errorf("%s: %s", c.Source(), o.Err)
		}
	}
	seed004Locks := []string{"inotify_lock", "ins_lock", "inw_lock"}
	vfsLocks := []string{"femh_lock", "inode->i_mutex", "inode_lock", "iprune_mutex", "dcache_lock", "dentry->d_lock",
		"rename_lock", "namespace_sem", "sb->s_vfs_rename_mutex", "mount_lock", "file->f_pos_lock",
		"files->file_lock", "tasklist_lock", "logbuf_lock"}
	onlyOwnAndVFS(t, "seed 004", locks, objects, seed004Locks, []string{"inotify_state", "inotify_watch"},
		vfsLocks, []string{"fem_list", "file", "inode", "dentry", "mount"}, "femh_lock", "fem_list")
}

// onlyOwnAndVFS checks a trace's lock classes and object kinds: each of
// the backend's own (and each of also) appears, and nothing but its own
// and the VFS's does.
func onlyOwnAndVFS(t *testing.T, who string, locks, objects map[string]bool, ownLocks, ownObjects, vfsLocks, vfsObjects []string, also ...string) {
	t.Helper()
	for _, want := range append(append(append([]string(nil), ownLocks...), ownObjects...), also...) {
		if !locks[want] && !objects[want] {
			t.Errorf("the trace never names %s", want)
		}
	}
	for l := range locks {
		if !slices.Contains(ownLocks, l) && !slices.Contains(vfsLocks, l) {
			t.Errorf("the trace names lock class %s, which is neither %s's nor the VFS's", l, who)
		}
	}
	for o := range objects {
		if !slices.Contains(ownObjects, o) && !slices.Contains(vfsObjects, o) {
			t.Errorf("the trace names object %s, which is neither %s's nor the VFS's", o, who)
		}
	}
}

// traceKinds runs f in the simulator with lock and reference tracing and
// returns the run with the lock classes (subclasses folded) and the kinds
// of refcounted object the trace named.
func traceKinds(t *testing.T, f *scenario.File) (res *simrun.Result, locks, objects map[string]bool) {
	t.Helper()
	locks, objects = map[string]bool{}, map[string]bool{}
	res, err := simrun.Run(f, simrun.Options{Setup: func(k *sim.Kernel) {
		k.Validator().SetTrace(func(ev lockdep.TraceEvent) {
			class, _, _ := strings.Cut(ev.Lock, "#")
			class, _, _ = strings.Cut(class, "/")
			locks[class] = true
		})
		k.Refs().SetTracing(true, func(en kref.Entry) {
			kind, _, _ := strings.Cut(en.Object, "#")
			objects[kind] = true
		})
	}})
	if err != nil {
		t.Fatal(err)
	}
	return res, locks, objects
}
