//go:build linux

package hostkernel

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/inosim/inosim/scenario"
)

func TestMain(m *testing.M) {
	RunChildIfRequested()
	os.Exit(m.Run())
}

func need(t *testing.T) {
	t.Helper()
	if err := Available(); err != nil {
		t.Skip(err)
	}
}

func parse(t *testing.T, src string) *scenario.File {
	t.Helper()
	f, err := scenario.Parse(t.Name()+".scen", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// golden runs the transcript src on the host and wants the same transcript
// back.
func golden(t *testing.T, src string) {
	t.Helper()
	f := parse(t, src)
	outs, err := Run(f)
	if err != nil {
		t.Fatal(err)
	}
	got := scenario.Print(f, outs)
	if !scenario.Equal(got, src) {
		t.Errorf("host kernel transcript differs:\n%s", scenario.Diff("want", src, "kernel", got))
	}
}

func readSysctl(t *testing.T, key string) string {
	t.Helper()
	b, err := os.ReadFile(inotifySysctlDir + key)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

func TestEvents(t *testing.T) {
	need(t)
	golden(t, `# a blocking instance: read must not block
mkdir /d
i = inotify_init
w = inotify_add_watch i /d IN_ALL_EVENTS
creat /d/a
rename /d/a /d/b
read i
  w IN_CREATE a
  w IN_OPEN a
  w IN_CLOSE_WRITE a
  w IN_MOVED_FROM cookie=c1 a
  w IN_MOVED_TO cookie=c1 b
read i
fionread i => 0
creat /d/c
fionread i => 96
read i 16 => EINVAL
read i 32
  w IN_CREATE c
read i
  w IN_OPEN c
  w IN_CLOSE_WRITE c
inotify_add_watch i /missing IN_CREATE => ENOENT
inotify_add_watch -1 /d IN_CREATE => EBADF
read -1 => EBADF
read 99 16 => EBADF
fionread 99 => EBADF
close 99 => EBADF
inotify_rm_watch i w
read i
  w IN_IGNORED
inotify_rm_watch i w => EINVAL
setnextwd i 7
w2 = inotify_add_watch i / IN_CREATE
mkdir /e
read i
  w2 IN_CREATE|IN_ISDIR e
setnextwd i -1 => EINVAL
`)
}

// TestBytes: names that are not UTF-8 come back byte-exact.
func TestBytes(t *testing.T) {
	need(t)
	golden(t, `mkdir "/d\xfe"
i = inotify_init
w = inotify_add_watch i "/d\xfe" IN_CREATE
creat "/d\xfe/\xff\x01é"
read i
  w IN_CREATE "\xff\x01é"
`)
	f := parse(t, "mkdir \"/d\\xfe\"\ni = inotify_init\nw = inotify_add_watch i \"/d\\xfe\" IN_CREATE\nmkdir \"/d\\xfe/\\x80\"\nread i\n")
	outs, err := RunWith(f, Options{WatchInfo: true})
	if err != nil {
		t.Fatal(err)
	}
	if evs := outs[4].Events; len(evs) != 1 || evs[0].Name != "\x80" || evs[0].WatchPath != "/d\xfe" || !evs[0].WatchIsDir {
		t.Errorf("events = %+v", evs)
	}
}

func TestWatchInfo(t *testing.T) {
	need(t)
	f := parse(t, `mkdir /d
i = inotify_init IN_NONBLOCK
w = inotify_add_watch i /d IN_CREATE
creat /d/a
read i
  w IN_CREATE a
`)
	outs, err := RunWith(f, Options{WatchInfo: true})
	if err != nil {
		t.Fatal(err)
	}
	evs := outs[len(outs)-1].Events
	if len(evs) != 1 || evs[0].WatchPath != "/d" || !evs[0].WatchIsDir || evs[0].WdName != "w" {
		t.Errorf("events = %+v, want one on /d (a directory) named w", evs)
	}
}

func TestFileOps(t *testing.T) {
	need(t)
	// chmod, chown, chown -1:-1 and utimes are one IN_ATTRIB: the kernel
	// merges an event equal to the last one queued. link's IN_ATTRIB goes
	// to the inode's own watches only.
	golden(t, `mkdir /d 0700
i = inotify_init IN_NONBLOCK|IN_CLOEXEC
w = inotify_add_watch i /d IN_ALL_EVENTS|IN_EXCL_UNLINK
f = open /d/f O_RDWR|O_CREAT|O_EXCL 0600
open /d/f O_RDWR|O_CREAT|O_EXCL => EEXIST
write f "hello"
lseek f 0
read f 5
lseek f -1 => EINVAL
ftruncate f 2
fchmod f 0644
close f
truncate /d/f 1
chmod /d/f 0666
chown /d/f 1:2
chown /d/f -1:-1
utimes /d/f
utimes /d/f atime
utimes /d/f mtime
link /d/f /d/g
symlink f /d/s
open /d/s O_RDONLY|O_NOFOLLOW => ELOOP
mkfifo /d/p 0600
readdir /d
rename /d/g /d/f noreplace => EEXIST
rename /d/g /d/p exchange
unlink /d/g
cd /d
unlink s
mkdir sub
rmdir sub
rmdir /d => ENOTEMPTY
open /d/f O_RDONLY|O_DIRECTORY => ENOTDIR
read i
  w IN_CREATE f
  w IN_OPEN f
  w IN_MODIFY f
  w IN_ACCESS f
  w IN_MODIFY f
  w IN_ATTRIB f
  w IN_CLOSE_WRITE f
  w IN_MODIFY f
  w IN_ATTRIB f
  w IN_ACCESS f
  w IN_MODIFY f
  w IN_CREATE g
  w IN_CREATE s
  w IN_CREATE p
  w IN_OPEN|IN_ISDIR
  w IN_ACCESS|IN_ISDIR
  w IN_CLOSE_NOWRITE|IN_ISDIR
  w IN_MOVED_FROM cookie=c1 g
  w IN_MOVED_TO cookie=c1 p
  w IN_MOVED_FROM cookie=c2 p
  w IN_MOVED_TO cookie=c2 g
  w IN_DELETE g
  w IN_DELETE s
  w IN_CREATE|IN_ISDIR sub
  w IN_DELETE|IN_ISDIR sub
`)
}

func TestCredentials(t *testing.T) {
	need(t)
	golden(t, `creat /f 0200
mkdir /d 0700
as 65534
open /f O_RDONLY => EACCES
mkdir /d/x => EACCES
chown /f 65534:65534 => EPERM
i = inotify_init
inotify_add_watch i /d IN_CREATE => EACCES
as 0
f = open /f O_RDONLY
close f
chown /f 1000:1000
as 1000:1000
f = open /f O_WRONLY
close f
open /f O_RDONLY => EACCES
as 0:0
mkdir /d/x
`)
}

func TestMountUnmount(t *testing.T) {
	need(t)
	golden(t, `mkdir /m
mount tmpfs /m
i = inotify_init
w = inotify_add_watch i /m IN_ALL_EVENTS
umount /m
read i
  w IN_UNMOUNT|IN_ISDIR
  w IN_IGNORED
umount /m => EINVAL
as 65534
mount tmpfs /m => EPERM
`)
}

// TestFdsFree: the child's own descriptors do not take the numbers a
// scenario's calls get.
func TestFdsFree(t *testing.T) {
	need(t)
	var b strings.Builder
	b.WriteString("i = inotify_init\nclose 3\nclose i => EBADF\n")
	for fd := 4; fd < 900; fd += 7 {
		fmt.Fprintf(&b, "close %d => EBADF\n", fd)
	}
	golden(t, b.String())
}

func TestSysctlQueuedEvents(t *testing.T) {
	need(t)
	old := readSysctl(t, "max_queued_events")
	golden(t, `sysctl max_queued_events=2
mkdir /d
i = inotify_init
w = inotify_add_watch i /d IN_CREATE
creat /d/a
creat /d/b
creat /d/c
creat /d/e
read i
  w IN_CREATE a
  w IN_CREATE b
  -1 IN_Q_OVERFLOW
`)
	if now := readSysctl(t, "max_queued_events"); now != old {
		t.Errorf("host max_queued_events = %s after the run, was %s", now, old)
	}
}

func TestSysctlUserInstances(t *testing.T) {
	need(t)
	old := readSysctl(t, "max_user_instances")
	golden(t, `sysctl max_user_instances=1
i = inotify_init
j = inotify_init => EMFILE
close i
j = inotify_init
sysctl max_user_watches=1
mkdir /d
w = inotify_add_watch j /d IN_CREATE
inotify_add_watch j / IN_CREATE => ENOSPC
# per user, and set whoever runs
as 65534
k = inotify_init
sysctl max_user_instances=0
inotify_init => EMFILE
`)
	if now := readSysctl(t, "max_user_instances"); now != old {
		t.Errorf("host max_user_instances = %s after the run, was %s", now, old)
	}
}

// TestNoUserNS forces the fallback: global per-user limits, saved and
// restored, and a warning.
func TestNoUserNS(t *testing.T) {
	need(t)
	t.Setenv(envMode, "nouserns")
	need(t)
	oldI, oldW := readSysctl(t, "max_user_instances"), readSysctl(t, "max_user_watches")
	var warned []string
	defer func(w func(string)) { Warnings = w }(Warnings)
	Warnings = func(s string) { warned = append(warned, s) }
	f := parse(t, `sysctl max_user_instances=1
sysctl max_user_watches=100000
i = inotify_init
j = inotify_init => EMFILE
`)
	outs, err := Run(f)
	if err != nil {
		t.Fatal(err)
	}
	if outs[1].Err != "EMFILE" {
		t.Errorf("second inotify_init: %+v, want EMFILE", outs[1])
	}
	if len(warned) != 1 || !strings.Contains(warned[0], "no other inotify use by root") {
		t.Errorf("warnings = %q, want one about other inotify use", warned)
	}
	if now := readSysctl(t, "max_user_instances"); now != oldI {
		t.Errorf("host max_user_instances = %s after the run, was %s", now, oldI)
	}
	if now := readSysctl(t, "max_user_watches"); now != oldW {
		t.Errorf("host max_user_watches = %s after the run, was %s", now, oldW)
	}
}

// TestNoHostLeak: whatever the scenario does with paths, nothing appears
// on the host, and the host's mount table is untouched.
func TestNoHostLeak(t *testing.T) {
	need(t)
	tok := fmt.Sprintf("inosim-leak-%d", os.Getpid())
	mountsBefore, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, strings.ReplaceAll(`mkdir /TOK
mkdir /../../TOK2
creat /tmp/TOK => ENOENT
symlink /etc/passwd /l
open /l O_RDONLY => ENOENT
symlink ../../../../TOK /l2
readdir /l2
mkdir /tmp
creat /tmp/TOK
cd ..
creat TOK3
mkdir /m
mount tmpfs /m
creat /m/TOK
readdir /
`, "TOK", tok))
	for _, p := range []string{"/" + tok, "/" + tok + "2", "/" + tok + "3", "/tmp/" + tok, "/mnt/" + tok, os.TempDir() + "/" + tok} {
		if _, err := os.Lstat(p); err == nil {
			t.Errorf("%s exists on the host", p)
			os.RemoveAll(p)
		}
	}
	mountsAfter, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(mountsBefore, mountsAfter) {
		t.Errorf("host mount table changed:\nbefore:\n%s\nafter:\n%s", mountsBefore, mountsAfter)
	}
}

// TestTimeout: a run that cannot finish is killed when the runner's own
// Timeout (production code) fires. The scenario never finishes (open of a
// FIFO for reading waits for a writer that never comes), so the outcome
// does not depend on when the timer fires: the test reads no clock, and a
// 1ms Timeout keeps it short.
func TestTimeout(t *testing.T) {
	need(t)
	defer func(d time.Duration) { Timeout = d }(Timeout)
	Timeout = time.Millisecond
	f := parse(t, "mkfifo /p\nopen /p O_RDONLY\n")
	_, err := Run(f)
	if err == nil || !strings.Contains(err.Error(), "did not finish") {
		t.Fatalf("Run = %v, want a timeout", err)
	}
}

func TestAvailableOff(t *testing.T) {
	t.Setenv(envMode, "off")
	err := Available()
	if err == nil {
		t.Fatal("Available() = nil with " + envMode + "=off")
	}
	if strings.Contains(err.Error(), "\n") {
		t.Errorf("message is not one line: %q", err)
	}
}

// TestNotInChild: a program that does not call RunChildIfRequested must
// get an error, not run itself recursively.
func TestNotInChild(t *testing.T) {
	t.Setenv(envMode, "")
	t.Setenv(envChild, "run")
	if err := Available(); err == nil || !strings.Contains(err.Error(), "RunChildIfRequested") {
		t.Errorf("Available() in a child = %v", err)
	}
	if _, err := Run(parse(t, "mkdir /d\n")); err == nil || !strings.Contains(err.Error(), "RunChildIfRequested") {
		t.Errorf("Run in a child = %v", err)
	}
}

// TestSignalRestores: a process killed by SIGINT or SIGTERM in the middle
// of a run restores the host's sysctl values first. The test runs itself
// as a helper that hangs in a run (open of a FIFO) after setting
// max_queued_events.
func TestSignalRestores(t *testing.T) {
	need(t)
	const hung = "12345"
	if os.Getenv("INOSIM_TEST_HANG") == "1" {
		Timeout = time.Minute
		Run(parse(t, "sysctl max_queued_events="+hung+"\nmkfifo /p\nopen /p O_RDONLY\n"))
		t.Fatal("the run should have hung")
	}
	old := readSysctl(t, "max_queued_events")
	if old == hung {
		t.Skip("host max_queued_events is already " + hung)
	}
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestSignalRestores$")
			cmd.Env = append(os.Environ(), "INOSIM_TEST_HANG=1")
			written, stop := watchSysctl(t, "max_queued_events")
			defer stop()
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			// Wait for the helper's child to write the value: each write
			// to the file is an IN_MODIFY (the watch exists before the
			// helper starts, so none is missed). Other writers (runs of
			// other test binaries before the helper takes the host lock)
			// only make the loop look again.
			for readSysctl(t, "max_queued_events") != hung {
				select {
				case <-written:
				case err := <-exited:
					t.Fatalf("the helper ended (%v) without setting max_queued_events", err)
				}
			}
			cmd.Process.Signal(sig)
			err := <-exited
			ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus)
			if !ok || !ws.Signaled() || ws.Signal() != sig {
				t.Errorf("helper ended with %v, want killed by %v", err, sig)
			}
			if now := readSysctl(t, "max_queued_events"); now != old {
				t.Errorf("host max_queued_events = %s after %v, was %s", now, sig, old)
				os.WriteFile(inotifySysctlDir+"max_queued_events", []byte(old), 0)
			}
		})
	}
}

// watchSysctl watches the host's sysctl file key: written receives once per
// read of IN_MODIFY events (procfs reports every write(2) to a sysctl file,
// as to any file); stop ends the watch.
func watchSysctl(t *testing.T, key string) (written <-chan struct{}, stop func()) {
	t.Helper()
	fd, err := unix.InotifyInit1(unix.IN_NONBLOCK | unix.IN_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := unix.InotifyAddWatch(fd, inotifySysctlDir+key, unix.IN_MODIFY); err != nil {
		unix.Close(fd)
		t.Fatal(err)
	}
	f := os.NewFile(uintptr(fd), "inotify") // non-blocking: Close ends a pending Read
	ch := make(chan struct{})
	done := make(chan struct{})
	go func() {
		buf := make([]byte, 4096)
		for {
			if _, err := f.Read(buf); err != nil {
				return
			}
			select {
			case ch <- struct{}{}:
			case <-done:
				return
			}
		}
	}()
	return ch, func() {
		close(done)
		f.Close()
	}
}

// TestUserNSStartFails: when a child with a user namespace cannot be
// started, Available still says yes and Run falls back, with a warning.
func TestUserNSStartFails(t *testing.T) {
	need(t)
	if err := probe(true); err != nil {
		t.Skip("no user namespaces here anyway:", err)
	}
	breakUserNS = true
	defer func() { breakUserNS, noUserNS = false, false }()
	if err := probe(true); err == nil {
		t.Fatal("breakUserNS did not break the user namespace")
	}
	if err := Available(); err != nil {
		t.Fatalf("Available() = %v without user namespaces", err)
	}
	var warned []string
	defer func(w func(string)) { Warnings = w }(Warnings)
	Warnings = func(s string) { warned = append(warned, s) }
	old := readSysctl(t, "max_user_watches")
	f := parse(t, "sysctl max_user_watches=1\ni = inotify_init\ninotify_add_watch i / IN_CREATE\n")
	for run := 0; run < 2; run++ {
		outs, err := Run(f)
		if err != nil {
			t.Fatal(err)
		}
		if len(outs) != 2 || outs[0].Err != "" {
			t.Errorf("run %d: outcomes %+v", run, outs)
		}
		if !noUserNS {
			t.Errorf("run %d: noUserNS not set", run)
		}
		if now := readSysctl(t, "max_user_watches"); now != old {
			t.Errorf("host max_user_watches = %s after the run, was %s", now, old)
		}
	}
	if len(warned) != 2 {
		t.Errorf("warnings = %q, want one per run", warned)
	}
}
