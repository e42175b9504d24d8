package vfs_test

import (
	"sync"
	"testing"

	"github.com/inosim/inosim/sim"
	"github.com/inosim/inosim/simtest"
	"github.com/inosim/inosim/uapi"
)

// concurrentRounds is how many times each task of a test below repeats its
// calls: enough for the deadlocks they guard against to show (as the test
// hanging until go test's -timeout) within a run or two.
const concurrentRounds = 3000

// race runs each function concurrently, with its own task, and then
// requires a clean shutdown.
func race(t *testing.T, k *sim.Kernel, fns ...func(task *sim.Task)) {
	t.Helper()
	var wg sync.WaitGroup
	for _, fn := range fns {
		task := k.NewTask(0, 0)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range concurrentRounds {
				fn(task)
			}
		}()
	}
	wg.Wait()
	simtest.CheckClean(t, k)
}

// TestLinkDirectoryRacesRename: link(2) of a directory fails with EPERM,
// but only after may_linkat, which runs under the new parent's i_mutex and
// must not lock the source, here a directory that a cross-directory rename
// locks as a parent, before /b.
func TestLinkDirectoryRacesRename(t *testing.T) {
	k := sim.NewKernel()
	root := k.NewTask(0, 0)
	must(t, root.Mkdir("/a", 0o755))
	must(t, root.Mkdir("/b", 0o755))
	create(t, root, "/b/f")
	race(t, k,
		func(task *sim.Task) { task.Link("/a", "/b/l") },
		func(task *sim.Task) {
			task.Rename("/b/f", "/a/f", 0)
			task.Rename("/a/f", "/b/f", 0)
		})
}

// TestExchangeRacesRenameInside: a same-directory exchange of /a/x (a
// directory) with /a/f (a file also linked as /a/x/f) must not lock /a/x,
// which a rename out of /a/x holds as a parent while it locks the file
// (vfs_rename locks a subdirectory only when it changes parent).
func TestExchangeRacesRenameInside(t *testing.T) {
	k := sim.NewKernel()
	root := k.NewTask(0, 0)
	must(t, root.Mkdir("/a", 0o755))
	must(t, root.Mkdir("/b", 0o755))
	create(t, root, "/a/f") // a lower inode number than /a/x's
	must(t, root.Mkdir("/a/x", 0o755))
	must(t, root.Link("/a/f", "/a/x/f"))
	race(t, k,
		func(task *sim.Task) { task.Rename("/a/x", "/a/f", uapi.RENAME_EXCHANGE) },
		func(task *sim.Task) {
			// /a/x and /a/f swap all the time: try both.
			for _, dir := range []string{"/a/x", "/a/f"} {
				task.Rename(dir+"/f", "/b/f", 0)
				task.Rename("/b/f", dir+"/f", 0)
			}
		})
}
