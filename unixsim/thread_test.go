package unixsim_test

import (
	"testing"

	"golang.org/x/sys/unix"

	"github.com/inosim/inosim/sim"
	"github.com/inosim/inosim/simtest"
	"github.com/inosim/inosim/uapi"
	"github.com/inosim/inosim/unixsim"
)

// TestThreadsShareFds: a reader on one thread of a process sleeps in read
// on an inotify fd while another thread of the same process (its own Sim,
// no mutex between them) adds a watch and makes a directory, which wakes it
// (run with -race).
func TestThreadsShareFds(t *testing.T) {
	k := sim.NewKernel()
	defer simtest.CheckClean(t, k)
	main := unixsim.New(k.NewTask(0, 0))
	reader := main.Thread()
	fd, err := main.InotifyInit1(0)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan []uapi.Event, 1)
	go func() {
		buf := make([]byte, 4096)
		n, err := reader.Read(fd, buf)
		if err != nil {
			t.Error(err)
		}
		evs, _ := uapi.Decode(buf[:max(n, 0)])
		got <- evs
	}()
	if _, err := main.InotifyAddWatch(fd, "/", unix.IN_CREATE); err != nil {
		t.Fatal(err)
	}
	if err := main.Mkdir("/d", 0o755); err != nil {
		t.Fatal(err)
	}
	evs := <-got
	if len(evs) != 1 || evs[0].Name != "d" || evs[0].Mask != uapi.IN_CREATE|uapi.IN_ISDIR {
		t.Errorf("read %v, want one IN_CREATE|IN_ISDIR d", evs)
	}
	if err := main.Close(fd); err != nil {
		t.Fatal(err)
	}
}
