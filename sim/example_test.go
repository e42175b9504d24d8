package sim_test

import (
	"fmt"

	"github.com/inosim/inosim/sim"
	"github.com/inosim/inosim/uapi"
)

// A program that consumes inotify, driven against the simulator: create an
// instance, watch a directory, make a subdirectory, read and decode the
// event bytes exactly as read(2) on the real kernel returns them.
func Example() {
	k := sim.NewKernel()
	task := k.NewTask(1000, 1000)
	_ = task.Mkdir("/home", 0o777) // as uid 1000 in a 0755 "/": EACCES

	root := k.NewTask(0, 0)
	_ = root.Mkdir("/home", 0o777)

	fd, _ := task.InotifyInit1(uapi.IN_NONBLOCK | uapi.IN_CLOEXEC)
	wd, _ := task.InotifyAddWatch(fd, "/home", uint32(uapi.IN_CREATE|uapi.IN_DELETE))
	_ = task.Mkdir("/home/src", 0o755)
	_ = task.Rmdir("/home/src")

	buf, _ := task.Read(fd, 4096)
	events, _ := uapi.Decode(buf)
	for _, ev := range events {
		fmt.Println(ev.Wd == int32(wd), ev.Mask, ev.Name)
	}
	_, err := task.Read(fd, 4096)
	fmt.Println(err)

	fmt.Println(k.Shutdown()) // lockdep reports and leaks: none
	// Output:
	// true IN_CREATE|IN_ISDIR src
	// true IN_DELETE|IN_ISDIR src
	// resource temporarily unavailable
	// []
}
