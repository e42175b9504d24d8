package simtest_test

import (
	"path/filepath"
	"testing"

	"github.com/inosim/inosim/sim"
	"github.com/inosim/inosim/simtest"
	"github.com/inosim/inosim/uapi"
)

// A test boots a kernel, makes calls, and ends with CheckClean: any
// lockdep report, refcount misuse or leak at shutdown fails it.
func TestCheckClean(t *testing.T) {
	k := sim.NewKernel()
	defer simtest.CheckClean(t, k)
	task := k.NewTask(0, 0)
	fd, err := task.InotifyInit1(uapi.IN_NONBLOCK)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := task.InotifyAddWatch(fd, "/", uint32(uapi.IN_CREATE)); err != nil {
		t.Fatal(err)
	}
	if err := task.Mkdir("/d", 0o755); err != nil {
		t.Fatal(err)
	}
	// The fd and its watch are left open: shutdown must free them.
}

// Scenario files are checked one subtest each.
func TestCheckFiles(t *testing.T) {
	files, _ := filepath.Glob("../examples/0[1-3]-*.scen")
	simtest.CheckFiles(t, files, "")
}
