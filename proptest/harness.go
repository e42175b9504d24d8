package proptest

import (
	"sort"

	"pgregory.net/rapid"

	"github.com/inosim/inosim/sim"
	"github.com/inosim/inosim/uapi"
)

// Op is one random file-system operation under a root directory, for
// testing an inotify consumer against the simulator.
type Op struct {
	Kind    string // "creat", "write", "mkdir", "rmdir", "unlink", "rename", "chmod"
	Path    string // absolute
	NewPath string // rename's destination
	Data    string // write's data
}

var activityNames = []string{"a", "b", "c", "d"}

// Activity draws a sequence of operations on a few names directly under
// root (which must exist), so that they often hit each other: creations,
// writes, renames over existing names, removals.
func Activity(t *rapid.T, root string) []Op {
	kinds := []string{"creat", "write", "mkdir", "rmdir", "unlink", "rename", "chmod"}
	n := rapid.IntRange(0, 40).Draw(t, "ops")
	ops := make([]Op, n)
	for i := range ops {
		op := Op{Kind: rapid.SampledFrom(kinds).Draw(t, "kind"), Path: root + "/" + rapid.SampledFrom(activityNames).Draw(t, "name")}
		switch op.Kind {
		case "rename":
			op.NewPath = root + "/" + rapid.SampledFrom(activityNames).Draw(t, "new")
		case "write":
			op.Data = rapid.SampledFrom([]string{"x", "hello"}).Draw(t, "data")
		}
		ops[i] = op
	}
	return ops
}

// Drive applies ops as task's system calls. Random activity fails now and
// then (unlink of a missing name, rmdir of a file): such calls change
// nothing and are skipped; Drive returns how many succeeded.
func Drive(task *sim.Task, ops []Op) int {
	ok := 0
	for _, op := range ops {
		var err error
		switch op.Kind {
		case "creat":
			var fd int
			if fd, err = task.Open(op.Path, uapi.O_CREAT|uapi.O_WRONLY|uapi.O_TRUNC, 0o644); err == nil {
				err = task.Close(fd)
			}
		case "write":
			var fd int
			if fd, err = task.Open(op.Path, uapi.O_WRONLY|uapi.O_APPEND, 0); err == nil {
				_, err = task.Write(fd, []byte(op.Data))
				_ = task.Close(fd)
			}
		case "mkdir":
			err = task.Mkdir(op.Path, 0o755)
		case "rmdir":
			err = task.Rmdir(op.Path)
		case "unlink":
			err = task.Unlink(op.Path)
		case "rename":
			err = task.Rename(op.Path, op.NewPath, 0)
		case "chmod":
			err = task.Chmod(op.Path, 0o600)
		}
		if err == nil {
			ok++
		}
	}
	return ok
}

// Names lists the names in dir, sorted: the tree a watcher should believe
// in after Drive.
func Names(task *sim.Task, dir string) []string {
	names, _ := task.Readdir(dir)
	var out []string
	for _, n := range names {
		if n != "." && n != ".." {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}
