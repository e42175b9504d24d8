package scenario

import (
	"errors"
	"strings"
	"syscall"
	"testing"
)

const concurrentSrc = `mkdir /d
i = inotify_init
w = inotify_add_watch i /d IN_CREATE
thread A
process P 1000:1000
A: inotify_rm_watch i w     # races the close
main: close i
P: mkdir /d/x => EACCES
read i
outcome "ok ok EACCES EBADF"
`

// TestParseConcurrent: thread and process lines, task prefixes, outcome
// lines, and what File says of them.
func TestParseConcurrent(t *testing.T) {
	f, err := Parse("c", []byte(concurrentSrc))
	if err != nil {
		t.Fatal(err)
	}
	if !f.Concurrent() || f.FirstConcurrent() != 3 {
		t.Fatalf("Concurrent %v, FirstConcurrent %d", f.Concurrent(), f.FirstConcurrent())
	}
	var tasks []Line
	for _, l := range f.Lines {
		if l.Kind == TaskLine {
			tasks = append(tasks, l)
		}
	}
	if len(tasks) != 2 || tasks[0].Task != "A" || tasks[0].Process || tasks[1].Task != "P" || !tasks[1].Process ||
		tasks[1].UID != 1000 || tasks[1].GID != 1000 {
		t.Fatalf("task lines %+v", tasks)
	}
	threads := []string{"", "", "", "A", MainTask, "P", ""}
	for i, c := range f.Commands {
		if c.Thread != threads[i] {
			t.Errorf("command %d %q: thread %q, want %q", i, c.Source(), c.Thread, threads[i])
		}
	}
	if c := f.Commands[3]; c.Op != OpInotifyRmWatch || c.String() != "A: inotify_rm_watch i w" || c.Pos.Col != 1 {
		t.Errorf("prefixed command: %q %q %v", c.Op, c.String(), c.Pos)
	}
	if got := f.Outcomes(); len(got) != 1 || got[0] != "ok ok EACCES EBADF" {
		t.Errorf("Outcomes %q", got)
	}
	if p := Print(f, f.ExpectedAll()); p != concurrentSrc {
		t.Errorf("Print of the expectations is not the file:\n%s", p)
	}
	if _, err := Parse("d", []byte("mkdir /a => DEADLOCK\n")); err != nil {
		t.Errorf("=> DEADLOCK: %v", err)
	}
}

func TestParseConcurrentErrors(t *testing.T) {
	for _, tt := range []struct{ src, want string }{
		{"A: mkdir /a", `t:1:1: unknown task A: declare it first with thread A or process A`},
		{"thread A\nthread A", "t:2:8: thread A: the name is taken"},
		{"thread main", "t:1:8: thread main: the name is taken"},
		{"thread", "t:1:1: thread: missing NAME (thread NAME)"},
		{"thread 1x", `t:1:8: bad thread name 1x: a letter or '_' followed by letters, digits and '_'`},
		{"thread A B", "t:1:10: unexpected B"},
		{"process P x", "t:1:11: bad UID[:GID] x"},
		{"thread A\nA:", "t:2:1: missing command after A:"},
		{"outcome", "t:1:1: outcome: missing operand"},
	} {
		_, err := Parse("t", []byte(tt.src))
		if err == nil || err.Error() != tt.want {
			t.Errorf("Parse(%q): %v, want %s", tt.src, err, tt.want)
		}
	}
}

// fakeThreads is a ThreadMachine that records the calls each task makes
// and runs the tasks one after another, or reports a deadlock.
type fakeThreads struct {
	nopMachine
	calls    *[]string
	task     string
	tasks    []string
	deadlock bool
}

func (m *fakeThreads) NewTask(name string, process bool, uid, gid uint32) error {
	m.tasks = append(m.tasks, name)
	return nil
}

func (m *fakeThreads) Concurrently(names []string, bodies []func(Machine)) error {
	for i, name := range names {
		if m.deadlock && i == 1 {
			return errors.New("deadlock")
		}
		bodies[i](&fakeThreads{calls: m.calls, task: name})
	}
	return nil
}

func (m *fakeThreads) Mkdir(path string, mode uint32) error {
	*m.calls = append(*m.calls, m.task+" mkdir "+path)
	return syscall.EACCES
}

// TestRunConcurrentBlock: a block's commands go to their tasks' machines,
// in order per task; after a deadlock the unfinished commands show
// DEADLOCK and the rest do not run.
func TestRunConcurrentBlock(t *testing.T) {
	src := "thread A\nthread B\nmkdir /0\nA: mkdir /a\nB: mkdir /b\nA: mkdir /c\nmkdir /z\n"
	f, err := Parse("t", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	var calls []string
	m := &fakeThreads{calls: &calls}
	outs := Run(f, m)
	if got := strings.Join(calls, ","); got != " mkdir /0,A mkdir /a,A mkdir /c,B mkdir /b, mkdir /z" {
		t.Errorf("calls %s", got)
	}
	if strings.Join(m.tasks, ",") != "A,B" || len(outs) != 5 || outs[4].Err != "EACCES" {
		t.Errorf("tasks %v, outs %+v", m.tasks, outs)
	}
	calls = nil
	dm := &fakeThreads{calls: &calls, deadlock: true}
	outs = Run(f, dm)
	if !outs[2].NotRun || !outs[4].NotRun || outs[1].Err != "EACCES" || outs[3].Err != "EACCES" {
		t.Errorf("after a deadlock: %+v", outs)
	}
	if sig := Signature(f, outs); sig != "EACCES - EACCES -" {
		t.Errorf("Signature %q", sig)
	}
	if p := Print(f, outs); !strings.Contains(p, "B: mkdir /b\n") {
		t.Errorf("a command that did not run prints as written:\n%s", p)
	}
	// Without a ThreadMachine nothing from the first block on runs.
	outs = Run(f, &nopMachine{})
	if !outs[1].NotRun || !outs[4].NotRun {
		t.Errorf("without threads: %+v", outs)
	}
}

// nopMachine succeeds at every call and returns nothing.
type nopMachine struct{}

func (nopMachine) Mkdir(string, uint32) error                       { return nil }
func (nopMachine) Rmdir(string) error                               { return nil }
func (nopMachine) Open(string, int, uint32) (int, error)            { return 3, nil }
func (nopMachine) Close(int) error                                  { return nil }
func (nopMachine) Write(int, []byte) (int, error)                   { return 0, nil }
func (nopMachine) Read(int, int) ([]byte, error)                    { return nil, nil }
func (nopMachine) Lseek(int, int64) (int64, error)                  { return 0, nil }
func (nopMachine) Chdir(string) error                               { return nil }
func (nopMachine) Truncate(string, int64) error                     { return nil }
func (nopMachine) Ftruncate(int, int64) error                       { return nil }
func (nopMachine) Chmod(string, uint32) error                       { return nil }
func (nopMachine) Fchmod(int, uint32) error                         { return nil }
func (nopMachine) Chown(string, uint32, uint32) error               { return nil }
func (nopMachine) Utimes(string, bool, bool) error                  { return nil }
func (nopMachine) Link(string, string) error                        { return nil }
func (nopMachine) Symlink(string, string) error                     { return nil }
func (nopMachine) Mkfifo(string, uint32) error                      { return nil }
func (nopMachine) Unlink(string) error                              { return nil }
func (nopMachine) Rename(string, string, int) error                 { return nil }
func (nopMachine) Readdir(string) error                             { return nil }
func (nopMachine) Mount(string, string) error                       { return nil }
func (nopMachine) Umount(string, int) error                         { return nil }
func (nopMachine) SetCred(uint32, uint32) error                     { return nil }
func (nopMachine) Sysctl(string, int64) error                       { return nil }
func (nopMachine) InotifyInit1(int) (int, error)                    { return 3, nil }
func (nopMachine) InotifyAddWatch(int, string, uint32) (int, error) { return 1, nil }
func (nopMachine) InotifyRmWatch(int, int) error                    { return nil }
func (nopMachine) InotifyRead(int, int) ([]byte, error)             { return nil, nil }
func (nopMachine) Fionread(int) (int, error)                        { return 0, nil }
func (nopMachine) SetNextWd(int, int64) error                       { return nil }
func (nopMachine) Tick(int) error                                   { return nil }
func (nopMachine) IocAddWatch(int, int, uint32) (int, error)        { return 1, nil }
func (nopMachine) IocAddChild(int, int, string) error               { return nil }
func (nopMachine) IocActivate(int, int) error                       { return nil }
