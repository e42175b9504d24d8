package unixsim_test

import (
	"fmt"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/inosim/inosim/sim"
	"github.com/inosim/inosim/unixsim"
)

// Example is the README's shortest path: code written against Sys (here
// three lines where it would call unix.X) runs on a simulated kernel.
func Example() {
	var sys unixsim.Sys = unixsim.New(sim.NewKernel().NewTask(0, 0)) // or unixsim.Host{}
	fd, _ := sys.InotifyInit1(unix.IN_NONBLOCK | unix.IN_CLOEXEC)
	sys.InotifyAddWatch(fd, "/", unix.IN_CREATE)
	sys.Mkdir("/d", 0o755)
	buf := make([]byte, 4096)
	n, _ := sys.Read(fd, buf)
	ev := (*unix.InotifyEvent)(unsafe.Pointer(&buf[0]))
	fmt.Println(n, ev.Mask == unix.IN_CREATE|unix.IN_ISDIR, string(buf[16:17]))
	// Output: 32 true d
}
