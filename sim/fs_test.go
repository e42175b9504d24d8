package sim_test

import (
	"fmt"
	"sync"
	"syscall"
	"testing"

	"github.com/inosim/inosim/sim"
	"github.com/inosim/inosim/simtest"
	"github.com/inosim/inosim/uapi"
)

// ok fails the test on err.
func ok(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestConcurrentNamespaceOps runs several tasks, each in its own goroutine,
// doing mkdir, creat, rename (within and across two shared directories,
// of files and of directories), link, unlink and rmdir on the same names.
// Errors from losing races (ENOENT, EEXIST, ENOTEMPTY...) are expected;
// lockdep reports, data races and leaks are not.
func TestConcurrentNamespaceOps(t *testing.T) {
	for _, watched := range []bool{false, true} {
		t.Run(fmt.Sprintf("watched=%v", watched), func(t *testing.T) { concurrentNamespaceOps(t, watched) })
	}
}

func concurrentNamespaceOps(t *testing.T, watched bool) {
	k := sim.NewKernel()
	defer simtest.CheckClean(t, k)
	root := k.NewTask(0, 0)
	ok(t, root.Mkdir("/s0", 0o777))
	ok(t, root.Mkdir("/s1", 0o777))
	ok(t, root.Mkdir("/s0/nest", 0o777))
	ok(t, root.Mkdir("/mnt", 0o777))
	ok(t, root.Mount("tmpfs", "/mnt"))
	var done chan struct{}
	if watched {
		// A watcher on the shared directories and the mount, drained
		// concurrently, so the VFS hooks run into inotify's locks.
		fd, err := root.InotifyInit1(uapi.IN_NONBLOCK)
		ok(t, err)
		for _, p := range []string{"/s0", "/s1", "/s0/nest", "/mnt"} {
			_, err := root.InotifyAddWatch(fd, p, uint32(uapi.IN_ALL_EVENTS))
			ok(t, err)
		}
		done = make(chan struct{})
		go func() {
			defer close(done)
			for range 200 {
				root.Read(fd, 4096)
			}
		}()
	}

	const workers, rounds = 4, 150
	var wg sync.WaitGroup
	for w := range workers {
		task := k.NewTask(0, 0)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range rounds {
				a := fmt.Sprintf("/s%d/n%d", (w+i)%2, i%5)
				b := fmt.Sprintf("/s%d/n%d", (w+i+1)%2, (i+w)%5)
				c := fmt.Sprintf("/s0/nest/n%d", i%3)
				switch (w + i) % 8 {
				case 0:
					task.Mkdir(a, 0o755)
				case 1:
					if fd, err := task.Open(a, uapi.O_CREAT|uapi.O_WRONLY|uapi.O_TRUNC, 0o644); err == nil {
						task.Write(fd, []byte("x"))
						task.Close(fd)
					}
				case 2:
					task.Rename(a, b, 0)
				case 3:
					task.Rename(b, c, 0)
				case 4:
					task.Unlink(a)
					task.Rmdir(b)
				case 5:
					task.Link(a, c)
					task.Rename(c, a, uapi.RENAME_EXCHANGE)
				case 6:
					task.Rename("/s0/nest", "/s1/nest", 0)
					task.Rename("/s1/nest", "/s0/nest", 0)
				case 7:
					task.Readdir("/s0")
					task.Unlink(c)
					task.Rmdir(c)
					task.Mkdir(fmt.Sprintf("/mnt/w%d", w), 0o755)
					task.Chmod(a, 0o700)
				}
			}
		}()
	}
	wg.Wait()
	if done != nil {
		<-done
	}
	ok(t, root.Umount("/mnt", 0))
	if r := k.Validator().Reports(); len(r) != 0 {
		t.Fatalf("lockdep: %v", r[0])
	}
}

// TestRenameLockOrder renames across two sibling directories both ways,
// and between a directory and its subdirectory both ways, from two tasks,
// and expects no lockdep report (lock_rename's order: ancestor first,
// else inode number, under s_vfs_rename_mutex).
func TestRenameLockOrder(t *testing.T) {
	k := sim.NewKernel()
	defer simtest.CheckClean(t, k)
	a, b := k.NewTask(0, 0), k.NewTask(0, 0)
	ok(t, a.Mkdir("/x", 0o755))
	ok(t, a.Mkdir("/y", 0o755))
	ok(t, a.Mkdir("/x/sub", 0o755))
	for _, f := range []string{"/x/f", "/y/g", "/x/sub/h"} {
		fd, err := a.Open(f, uapi.O_CREAT|uapi.O_WRONLY, 0o644)
		ok(t, err)
		ok(t, a.Close(fd))
	}
	steps := []struct {
		task     *sim.Task
		old, new string
		flags    int
	}{
		{a, "/x/f", "/y/f", 0},
		{b, "/y/f", "/x/f", 0},
		{a, "/y/g", "/x/g", 0},
		{b, "/x/g", "/y/g", 0},
		{a, "/x/f", "/y/g", uapi.RENAME_EXCHANGE},
		{b, "/y/g", "/x/f", uapi.RENAME_EXCHANGE},
		{a, "/x/f", "/x/sub/f", 0},    // parent → child
		{b, "/x/sub/f", "/x/f", 0},    // child → parent
		{a, "/x/sub/h", "/x/f", 0},    // child → parent, over a target
		{b, "/x/f", "/x/sub/h", 0},    // parent → child
		{a, "/y/g", "/x/sub/h", 0},    // unrelated, over a target
		{b, "/x/sub/h", "/y/g", 0},    // and back
		{a, "/x/sub", "/y/sub", 0},    // a directory across
		{b, "/y/sub", "/x/sub", 0},    // and back
		{a, "/x/sub", "/x/sub/in", 0}, // into itself: EINVAL, locks still taken
		{b, "/x/sub/in", "/x/sub", 0}, // missing: ENOENT after locking
		{a, "/x/sub/..", "/y/sub", 0}, // EBUSY before locking
		{b, "/x", "/y/sub", 0},        // a directory under its sibling
		{a, "/y/sub", "/x", 0},        // back
		{b, "/x/sub", "/x/sub", 0},    // onto itself
		{a, "/x/sub", "/y", 0},        // onto a non-empty directory
	}
	for i, s := range steps {
		err := s.task.Rename(s.old, s.new, s.flags)
		if err != nil && err != syscall.EINVAL && err != syscall.ENOENT && err != syscall.EBUSY &&
			err != syscall.ENOTEMPTY {
			t.Errorf("step %d %s -> %s: %v", i, s.old, s.new, err)
		}
	}
	if r := k.Validator().Reports(); len(r) != 0 {
		t.Fatalf("lockdep: %v", r[0])
	}
}

func TestSyscallWrappers(t *testing.T) {
	k := sim.NewKernel()
	defer simtest.CheckClean(t, k)
	task := k.NewTask(0, 0)
	ok(t, task.Mkdir("/d", 0o755))
	fd, err := task.Open("/d/f", uapi.O_CREAT|uapi.O_RDWR, 0o644)
	ok(t, err)
	if n, err := task.Write(fd, []byte("hello")); n != 5 || err != nil {
		t.Fatal(n, err)
	}
	if pos, err := task.Lseek(fd, 1); pos != 1 || err != nil {
		t.Fatal(pos, err)
	}
	if b, err := task.Read(fd, 3); string(b) != "ell" || err != nil {
		t.Fatal(string(b), err)
	}
	ok(t, task.Ftruncate(fd, 2))
	ok(t, task.Fchmod(fd, 0o600))
	ok(t, task.Close(fd))
	ok(t, task.Truncate("/d/f", 10))
	ok(t, task.Chmod("/d/f", 0o644))
	ok(t, task.Chown("/d/f", 1, 1))
	ok(t, task.Lchown("/d/f", 0, 0))
	ok(t, task.Utimes("/d/f", sim.UtimeAtime))
	ok(t, task.Link("/d/f", "/d/g"))
	ok(t, task.Symlink("g", "/d/s"))
	ok(t, task.Mkfifo("/d/p", 0o644))
	ok(t, task.Rename("/d/g", "/d/h", uapi.RENAME_NOREPLACE))
	names, err := task.Readdir("/d")
	ok(t, err)
	if fmt.Sprint(names) != "[. .. f h p s]" {
		t.Fatal(names)
	}
	ok(t, task.Chdir("/d"))
	ok(t, task.Unlink("h"))
	ok(t, task.Mkdir("m", 0o755))
	ok(t, task.Mount("tmpfs", "m"))
	if err := task.Mount("nfs", "m"); err != syscall.ENODEV {
		t.Fatal(err)
	}
	ok(t, task.Umount("m", uapi.MNT_DETACH))
	ok(t, task.Rmdir("m"))
	// Left open and mounted on purpose: Shutdown cleans up.
	_, err = task.Open("f", uapi.O_RDONLY, 0)
	ok(t, err)
	ok(t, task.Mkdir("/mnt", 0o755))
	ok(t, task.Mount("tmpfs", "/mnt"))
	ok(t, task.Mount("tmpfs", "/mnt"))
	ok(t, task.Chdir("/mnt"))
}
