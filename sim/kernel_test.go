package sim_test

import (
	"fmt"
	"strings"
	"syscall"
	"testing"

	"github.com/inosim/inosim/sim"
	"github.com/inosim/inosim/simtest"
	"github.com/inosim/inosim/uapi"
	"github.com/inosim/inosim/vfs"
)

func TestTasksAndFds(t *testing.T) {
	k := sim.NewKernel()
	defer simtest.CheckClean(t, k)
	a, b := k.NewTask(0, 0), k.NewTask(1000, 1000)
	if a.Pid() != 1 || b.Pid() != 2 {
		t.Fatalf("pids %d %d", a.Pid(), b.Pid())
	}
	if a.Kernel() != k || a.Ctx().Cred.Uid != 0 || b.Ctx().Cred.Uid != 1000 {
		t.Fatal("task accessors")
	}
	fd, err := a.Open("/f", uapi.O_CREAT|uapi.O_RDWR, 0o644)
	if fd != 3 || err != nil {
		t.Fatalf("first fd = %d, %v", fd, err)
	}
	fd2, _ := a.Open("/f", uapi.O_RDONLY, 0)
	if fd2 != 4 {
		t.Fatalf("second fd = %d", fd2)
	}
	if err := a.Close(3); err != nil {
		t.Fatal(err)
	}
	if fd, _ := a.Open("/f", uapi.O_RDONLY, 0); fd != 3 {
		t.Fatalf("lowest free fd = %d, want 3", fd)
	}
	for _, bad := range []int{-1, 0, 2, 5, 99, 4096} {
		if _, err := a.Fget(bad); err != syscall.EBADF {
			t.Errorf("Fget(%d) = %v, want EBADF", bad, err)
		}
		if err := a.Close(bad); err != syscall.EBADF {
			t.Errorf("Close(%d) = %v, want EBADF", bad, err)
		}
	}
	f, err := a.Fget(4)
	if err != nil || f.Count.Count() != 2 {
		t.Fatalf("Fget(4): %v, count %d", err, f.Count.Count())
	}
	vfs.Fput(a.Cur(), f)
	// Files of an exiting task are closed; b keeps working.
	a.ExitTask()
	a.ExitTask()
	if err := b.Mkdir("/x", 0o755); err != syscall.EACCES {
		t.Fatalf("mkdir as 1000 in / = %v, want EACCES", err)
	}
}

func TestEMFILE(t *testing.T) {
	k := sim.NewKernel()
	defer simtest.CheckClean(t, k)
	task := k.NewTask(0, 0)
	for i := 3; i < 1024; i++ {
		f := k.VFS().NewAnonFile(task.Cur(), nil, uapi.O_RDONLY)
		fd, err := task.InstallFile(f, false)
		if fd != i || err != nil {
			t.Fatalf("InstallFile = %d, %v, want %d", fd, err, i)
		}
	}
	f := k.VFS().NewAnonFile(task.Cur(), nil, uapi.O_RDONLY)
	if _, err := task.InstallFile(f, false); err != syscall.EMFILE {
		t.Fatalf("fd 1024: %v, want EMFILE", err)
	}
	vfs.Fput(task.Cur(), f)
	if _, err := task.Open("/", uapi.O_RDONLY, 0); err != syscall.EMFILE {
		t.Fatalf("open with a full table: %v, want EMFILE", err)
	}
}

func TestShutdownReportsLeaksAndHeldLocks(t *testing.T) {
	k := sim.NewKernel()
	task := k.NewTask(0, 0)
	if err := task.Mkdir("/d", 0o755); err != nil {
		t.Fatal(err)
	}
	p, err := k.VFS().Walk(task.Ctx(), "/d", 0)
	if err != nil {
		t.Fatal(err)
	}
	_ = p // leaked on purpose
	task.Enter("leaky")
	k.VFS().Icache().InodeLock.Lock(task.Cur())
	task.Exit()
	got := k.Shutdown()
	text := strings.Join(got, "\n")
	for _, want := range []string{"lock held when returning to user space", "dentry#", "mount#"} {
		if !strings.Contains(text, want) {
			t.Errorf("Shutdown() lacks %q:\n%s", want, text)
		}
	}
	if again := k.Shutdown(); len(again) != len(got) {
		t.Errorf("second Shutdown gave %d problems, first %d", len(again), len(got))
	}
}

func TestSiteNaming(t *testing.T) {
	k := sim.NewKernel()
	defer simtest.CheckClean(t, k)
	task := k.NewTask(0, 0)
	task.Enter("mkdir")
	if task.Cur().Site() != "mkdir" {
		t.Errorf("site %q", task.Cur().Site())
	}
	task.Exit()
	task.SetSite("x.scen:3")
	task.Enter("mkdir")
	if task.Cur().Site() != "x.scen:3" {
		t.Errorf("site %q", task.Cur().Site())
	}
	task.Exit()
}

// A kernel, a task, a few system calls, and a clean shutdown.
func ExampleKernel() {
	k := sim.NewKernel()
	task := k.NewTask(0, 0)
	task.Mkdir("/tmp", 0o1777)
	fd, _ := task.Open("/tmp/f", uapi.O_CREAT|uapi.O_RDWR, 0o644)
	task.Write(fd, []byte("hello"))
	task.Lseek(fd, 0)
	b, _ := task.Read(fd, 100)
	fmt.Printf("fd %d read %q\n", fd, b)
	_, err := task.Read(42, 1)
	fmt.Println(err)
	task.Close(fd)
	fmt.Println(k.Shutdown())
	// Output:
	// fd 3 read "hello"
	// bad file descriptor
	// []
}
