package main

// These tests build the inosim binary once and exec it, so they check what
// a user sees: exit codes, standard output and standard error of every
// subcommand. The binary's main calls hostkernel.RunChildIfRequested first,
// so it is its own kernel-runner child for "run --kernel" and "diff".

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/inosim/inosim/hostkernel"
	"github.com/inosim/inosim/scenario"
)

// bin is the inosim binary TestMain built; "" without a go command.
var bin string

func TestMain(m *testing.M) {
	// The test binary itself is the child of hostkernel.Available's probe.
	hostkernel.RunChildIfRequested()
	if _, err := exec.LookPath("go"); err != nil {
		fmt.Fprintln(os.Stderr, "no go command: the tests that run inosim skip")
		os.Exit(m.Run())
	}
	dir, err := os.MkdirTemp("", "inosim-cli-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	bin = filepath.Join(dir, "inosim")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building inosim:", err)
		os.RemoveAll(dir)
		os.Exit(2)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// needBin skips t when TestMain could not build inosim.
func needBin(t *testing.T) {
	t.Helper()
	if bin == "" {
		t.Skip("no go command to build inosim")
	}
}

type result struct {
	stdout, stderr string
	code           int
}

// inosim runs the binary with args; stdin is its standard input ("" for
// none) and env is added to the environment.
func inosim(t *testing.T, stdin string, env []string, args ...string) result {
	t.Helper()
	needBin(t)
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	default:
		t.Fatalf("inosim %v: %v", args, err)
	}
	return r
}

// want fails unless r exited with code.
func (r result) want(t *testing.T, code int, what string) {
	t.Helper()
	if r.code != code {
		t.Fatalf("%s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", what, r.code, code, r.stdout, r.stderr)
	}
}

func examples(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("../../examples/*.scen")
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples (%v)", err)
	}
	return files
}

func writeFile(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const firstWatch = "../../examples/01-first-watch.scen"

func TestRunExample(t *testing.T) {
	r := inosim(t, "", nil, "run", firstWatch)
	r.want(t, 0, "run 01-first-watch")
	src, err := os.ReadFile(firstWatch)
	if err != nil {
		t.Fatal(err)
	}
	if !scenario.Equal(string(src), r.stdout) {
		t.Errorf("run printed a different transcript:\n%s", scenario.Diff("file", string(src), "run", r.stdout))
	}
	if r.stderr != "" {
		t.Errorf("stderr: %q", r.stderr)
	}
}

var posRE = regexp.MustCompile(`^(\S+):(\d+):(\d+): \S`)

func TestParseErrorExit2(t *testing.T) {
	p := writeFile(t, "bad.scen", "mkdir /d\ni = inotify_init\nfrobnicate /d\n")
	r := inosim(t, "", nil, "run", p)
	r.want(t, 2, "run of a malformed file")
	line := strings.TrimSpace(r.stderr)
	m := posRE.FindStringSubmatch(line)
	if m == nil || m[1] != p || m[2] != "3" || m[3] != "1" {
		t.Errorf("stderr %q, want %s:3:1: message", line, p)
	}
	if strings.Count(line, "\n") != 0 {
		t.Errorf("parse error is not one line: %q", line)
	}
	if r.stdout != "" {
		t.Errorf("stdout of a failed parse: %q", r.stdout)
	}
	// check and diff report it the same way.
	r = inosim(t, "", nil, "check", p)
	r.want(t, 2, "check of a malformed file")
	if !posRE.MatchString(r.stderr) {
		t.Errorf("check stderr %q", r.stderr)
	}
}

func TestUsageErrorsExit2(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing.scen")
	for _, c := range []struct {
		name string
		args []string
		msg  string
	}{
		{"missing file", []string{"run", missing}, "no such file"},
		{"check missing file", []string{"check", missing}, "no such file"},
		{"no arguments", nil, "usage:"},
		{"unknown command", []string{"frob"}, `unknown command "frob"`},
		{"unknown flag", []string{"run", "--bogus", firstWatch}, "flag provided but not defined"},
		{"unknown check flag", []string{"check", "-bogus", firstWatch}, "flag provided but not defined"},
		{"unknown format", []string{"run", "--format=xml", firstWatch}, "unknown --format"},
		{"unknown trace", []string{"run", "--trace=cpu", firstWatch}, "unknown --trace"},
		{"run without FILE", []string{"run"}, "no FILE"},
		{"check without FILE", []string{"check"}, "no FILE"},
		{"trace with kernel", []string{"run", "--kernel", "--trace=locks", firstWatch}, "simulator only"},
		{"refs trace with kernel", []string{"run", "--trace=refs", "--kernel", firstWatch}, "simulator only"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := inosim(t, "", nil, c.args...)
			r.want(t, 2, c.name)
			if !strings.Contains(r.stderr, c.msg) {
				t.Errorf("stderr %q does not say %q", r.stderr, c.msg)
			}
		})
	}
}

func TestHelp(t *testing.T) {
	for _, arg := range []string{"help", "-h", "--help"} {
		r := inosim(t, "", nil, arg)
		r.want(t, 0, arg)
		for _, s := range []string{"inosim run", "inosim check", "inosim diff", "Exit status"} {
			if !strings.Contains(r.stdout, s) {
				t.Errorf("%s: usage lacks %q:\n%s", arg, s, r.stdout)
			}
		}
	}
}

func TestCheck(t *testing.T) {
	r := inosim(t, "", nil, "check", firstWatch)
	r.want(t, 0, "check of an example")
	if r.stdout != "" {
		t.Errorf("check printed %q", r.stdout)
	}

	// A wrong expectation: a unified diff on stdout, exit 1.
	src, err := os.ReadFile(firstWatch)
	if err != nil {
		t.Fatal(err)
	}
	wrong := strings.Replace(string(src), "  w IN_OPEN a\n", "  w IN_OPEN b\n", 1)
	if wrong == string(src) {
		t.Fatal("01-first-watch.scen no longer has an IN_OPEN line to break")
	}
	p := writeFile(t, "wrong.scen", wrong)
	r = inosim(t, "", nil, "check", p)
	r.want(t, 1, "check of a wrong transcript")
	for _, s := range []string{"--- " + p, "+++ " + p + " (simulator)", "@@ ", "-  w IN_OPEN b", "+  w IN_OPEN a"} {
		if !strings.Contains(r.stdout, s) {
			t.Errorf("diff lacks %q:\n%s", s, r.stdout)
		}
	}

	// -update writes the simulator's transcript back; then check passes.
	r = inosim(t, "", nil, "check", "-update", p)
	r.want(t, 0, "check -update")
	got, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if !scenario.Equal(string(got), string(src)) {
		t.Errorf("-update wrote:\n%s", scenario.Diff("want", string(src), "got", string(got)))
	}
	inosim(t, "", nil, "check", p).want(t, 0, "check after -update")

	// Results left out entirely are filled in the same way.
	var bare []string
	for _, l := range strings.Split(string(src), "\n") {
		if !strings.HasPrefix(l, "  ") {
			bare = append(bare, l)
		}
	}
	q := writeFile(t, "bare.scen", strings.Join(bare, "\n"))
	inosim(t, "", nil, "check", q).want(t, 1, "check of a file without results")
	inosim(t, "", nil, "check", "-update", q).want(t, 0, "check -update of a file without results")
	inosim(t, "", nil, "check", q).want(t, 0, "check after -update of a file without results")
}

// TestRunCheckFixedPoint: the output of run is a scenario that check
// passes, for every example, read from standard input.
func TestRunCheckFixedPoint(t *testing.T) {
	for i, f := range examples(t) {
		r := inosim(t, "", nil, "run", f)
		r.want(t, 0, "run "+f)
		stdin := "-"
		if i%2 == 1 {
			stdin = "/dev/stdin"
		}
		c := inosim(t, r.stdout, nil, "check", stdin)
		if c.code != 0 {
			t.Errorf("run %s | check %s: exit %d\n%s%s", f, stdin, c.code, c.stdout, c.stderr)
		}
	}
}

// TestCheckExamples: all examples in one check.
func TestCheckExamples(t *testing.T) {
	r := inosim(t, "", nil, append([]string{"check"}, examples(t)...)...)
	r.want(t, 0, "check examples/*.scen")
}

func TestDiffExamples(t *testing.T) {
	if err := hostkernel.Available(); err != nil {
		t.Skipf("no host kernel runner: %v", err)
	}
	r := inosim(t, "", nil, append([]string{"diff"}, examples(t)...)...)
	r.want(t, 0, "diff examples/*.scen")
	if r.stdout != "" {
		t.Errorf("diff printed:\n%s", r.stdout)
	}
}

// TestKernelUnavailable: with the runner switched off, diff and run
// --kernel exit 2 with one line saying why.
func TestKernelUnavailable(t *testing.T) {
	off := []string{"INOSIM_HOSTKERNEL=off"}
	for _, args := range [][]string{{"diff", firstWatch}, {"run", "--kernel", firstWatch}} {
		r := inosim(t, "", off, args...)
		r.want(t, 2, strings.Join(args, " ")+" without a kernel runner")
		msg := strings.TrimSuffix(r.stderr, "\n")
		if msg == "" || strings.Contains(msg, "\n") || !strings.Contains(msg, "INOSIM_HOSTKERNEL=off") {
			t.Errorf("%v: stderr %q, want one line naming the reason", args, r.stderr)
		}
		if r.stdout != "" {
			t.Errorf("%v: stdout %q", args, r.stdout)
		}
	}
}

// inotifywaitScenario does, as scenario commands, what inotifywaitOps does
// on the host, with the watches of "inotifywait -m w/ w2/f" run in "/".
const inotifywaitScenario = `mkdir /w
mkdir /other
mkdir /w2
creat /w2/f
i = inotify_init
w = inotify_add_watch i w/ IN_ALL_EVENTS
wf = inotify_add_watch i w2/f IN_ALL_EVENTS
cd /w
f = open a.txt O_WRONLY|O_CREAT|O_TRUNC
write f "hi\n"
close f
f = open a.txt O_RDONLY
read f 512
read f 512
close f
chmod a.txt 0600
rename a.txt b.txt
mkdir sub
rename b.txt ../other/b.txt
rename ../other/b.txt c.txt
unlink c.txt
cd /w2
f = open f O_WRONLY|O_APPEND
write f "more\n"
close f
f = open f.tmp O_WRONLY|O_CREAT|O_TRUNC
write f "new\n"
close f
rename f.tmp f
read i
`

// inotifywaitSpec is what inotifywait -m printed on a Linux 6.18 host for
// those operations: the two captures docs/scenarios.md shows under "The
// inotifywait format", the second under w2/.
const inotifywaitSpec = `w/ CREATE a.txt
w/ OPEN a.txt
w/ MODIFY a.txt
w/ CLOSE_WRITE,CLOSE a.txt
w/ OPEN a.txt
w/ ACCESS a.txt
w/ CLOSE_NOWRITE,CLOSE a.txt
w/ ATTRIB a.txt
w/ MOVED_FROM a.txt
w/ MOVED_TO b.txt
w/ CREATE,ISDIR sub
w/ MOVED_FROM b.txt
w/ MOVED_TO c.txt
w/ DELETE c.txt
w2/f OPEN 
w2/f MODIFY 
w2/f CLOSE_WRITE,CLOSE 
w2/f ATTRIB 
w2/f DELETE_SELF 
`

func TestFormatInotifywait(t *testing.T) {
	p := writeFile(t, "iw.scen", inotifywaitScenario)
	r := inosim(t, "", nil, "run", "--format=inotifywait", p)
	r.want(t, 0, "run --format=inotifywait")
	if r.stdout != inotifywaitSpec {
		t.Errorf("--format=inotifywait printed\n%q\nwant\n%q", r.stdout, inotifywaitSpec)
	}
}

// inotifywaitOps are the host operations of inotifywaitScenario, in dir.
func inotifywaitOps(dir string) error {
	w := filepath.Join(dir, "w")
	steps := []func() error{
		func() error { return os.WriteFile(filepath.Join(w, "a.txt"), []byte("hi\n"), 0o644) },
		func() error { _, err := os.ReadFile(filepath.Join(w, "a.txt")); return err },
		func() error { return os.Chmod(filepath.Join(w, "a.txt"), 0o600) },
		func() error { return os.Rename(filepath.Join(w, "a.txt"), filepath.Join(w, "b.txt")) },
		func() error { return os.Mkdir(filepath.Join(w, "sub"), 0o755) },
		func() error { return os.Rename(filepath.Join(w, "b.txt"), filepath.Join(dir, "other", "b.txt")) },
		func() error { return os.Rename(filepath.Join(dir, "other", "b.txt"), filepath.Join(w, "c.txt")) },
		func() error { return os.Remove(filepath.Join(w, "c.txt")) },
		func() error {
			f, err := os.OpenFile(filepath.Join(dir, "w2", "f"), os.O_WRONLY|os.O_APPEND, 0)
			if err != nil {
				return err
			}
			if _, err := f.WriteString("more\n"); err != nil {
				f.Close()
				return err
			}
			return f.Close()
		},
		func() error { return os.WriteFile(filepath.Join(dir, "w2", "f.tmp"), []byte("new\n"), 0o644) },
		func() error { return os.Rename(filepath.Join(dir, "w2", "f.tmp"), filepath.Join(dir, "w2", "f")) },
	}
	for _, s := range steps {
		if err := s(); err != nil {
			return err
		}
	}
	return nil
}

// TestInotifywaitOnHost compares --format=inotifywait with the real
// inotifywait -m watching the same paths while the same operations run on
// the host.
func TestInotifywaitOnHost(t *testing.T) {
	iw, err := exec.LookPath("inotifywait")
	if err != nil {
		t.Skip("inotifywait is not installed (apt-get install inotify-tools)")
	}
	p := writeFile(t, "iw.scen", inotifywaitScenario)
	sim := inosim(t, "", nil, "run", "--format=inotifywait", p)
	sim.want(t, 0, "run --format=inotifywait")

	dir := t.TempDir()
	for _, d := range []string{"w", "other", "w2"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "w2", "f"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(iw, "-m", "w/", "w2/f")
	cmd.Dir = dir
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()

	ready := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		var seen []string
		for sc.Scan() {
			seen = append(seen, sc.Text())
			if sc.Text() == "Watches established." {
				ready <- nil
				for sc.Scan() { // drain
				}
				return
			}
		}
		ready <- fmt.Errorf("inotifywait exited before establishing its watches: %q", seen)
	}()
	lines := make(chan string, 64)
	go func() {
		br := bufio.NewReader(stdout)
		for {
			l, err := br.ReadString('\n')
			if err != nil {
				close(lines)
				return
			}
			lines <- l
		}
	}()

	// No clock: each wait below ends with a line inotifywait prints or
	// with its exit (a hang would be go test's -timeout to report).
	if err := <-ready; err != nil {
		t.Fatal(err)
	}
	if err := inotifywaitOps(dir); err != nil {
		t.Fatal(err)
	}
	// A sentinel after the operations: inotifywait prints events in queue
	// order, so every line before its CREATE is the operations' own.
	const end = "w/ CREATE,ISDIR inosim-end\n"
	if err := os.Mkdir(filepath.Join(dir, "w", "inosim-end"), 0o755); err != nil {
		t.Fatal(err)
	}
	var got []string
	for {
		l, ok := <-lines
		if !ok {
			t.Fatalf("inotifywait exited after %d lines, before the sentinel: %q", len(got), got)
		}
		if l == end {
			break
		}
		got = append(got, l)
	}
	if strings.Join(got, "") != sim.stdout {
		t.Errorf("inotifywait printed\n%s\ninosim --format=inotifywait printed\n%s", strings.Join(got, ""), sim.stdout)
	}
}

func TestFormatJSON(t *testing.T) {
	f := "../../examples/05-rename-same-dir.scen"
	r := inosim(t, "", nil, "run", "--format=json", f)
	r.want(t, 0, "run --format=json")
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if len(lines) < 3 {
		t.Fatalf("only %d lines:\n%s", len(lines), r.stdout)
	}
	cookies := map[float64]int{}
	for _, l := range lines {
		var ev map[string]any
		if err := json.Unmarshal([]byte(l), &ev); err != nil {
			t.Fatalf("not JSON: %q: %v", l, err)
		}
		for _, k := range []string{"file", "line", "wd", "mask", "mask_names", "cookie", "name"} {
			if _, ok := ev[k]; !ok {
				t.Errorf("%q lacks %q", l, k)
			}
		}
		if c := ev["cookie"].(float64); c != 0 {
			cookies[c]++
		}
	}
	var first map[string]any
	json.Unmarshal([]byte(lines[0]), &first)
	if first["wd_name"] != "wd" || first["name"] != "a" || first["mask_names"].([]any)[0] != "IN_MOVED_FROM" {
		t.Errorf("first event %v, want wd IN_MOVED_FROM a", first)
	}
	for c, n := range cookies {
		if n != 2 {
			t.Errorf("cookie %v appears %d times, want a MOVED_FROM/MOVED_TO pair", c, n)
		}
	}
}

// rmScenario is the walk-through's scenario: a watch added and removed.
const rmScenario = "mkdir /d\ni = inotify_init\nw = inotify_add_watch i /d IN_CREATE\ninotify_rm_watch i w\nread i\n  w IN_IGNORED\n"

// traceUnder returns the trace comment lines printed under the command
// line cmd.
func traceUnder(out, cmd string) string {
	var under []string
	in := false
	for _, l := range strings.Split(out, "\n") {
		if !strings.HasPrefix(l, "#") && !strings.HasPrefix(l, " ") {
			in = l == cmd
			continue
		}
		if in {
			under = append(under, l)
		}
	}
	return strings.Join(under, "\n")
}

// seedNames are the objects and locks of seeds 000-002, which today's
// kernel does not have.
var seedNames = []string{"inotify_handle", "inotify_watch", "inotify_device", "ih->mutex",
	"dev->up_mutex", "dev->ev_mutex", "inode->inotify_mutex", "uidhash_lock"}

// TestTrace: --trace=locks,refs adds comment lines, so the output still
// parses and checks. Under personality linux the whole trace names today's
// fs/notify only (groups, marks, connectors, mark_mutex,
// notification_lock, fsnotify_mark_srcu, the reaper) and none of the
// seeds' objects or locks; under linux-2.6.18, rm_watch shows ih->mutex
// and the watch's references, and no dev->up_mutex.
func TestTrace(t *testing.T) {
	for _, c := range []struct {
		personality string
		want        []string
		not         []string
		anywhere    bool // not: in the whole trace, not only under rm_watch
	}{
		{"", []string{"# lock   group->mark_mutex", "# lock   mark->lock", "# lock   mark->connector->lock",
			"# lock   group->notification_lock", "# lock   group->inotify_data.idr_lock",
			"# sync   fsnotify_mark_srcu", "# lock   reaper_work", "fsnotify_mark#1 -> 0",
			"# free fsnotify_mark#1", "# free fsnotify_mark_connector#1", "fsnotify_group#1"}, seedNames, true},
		{"personality linux-2.6.18\n", []string{"# lock   ih->mutex", "# lock   inode->inotify_mutex",
			"# lock   dev->ev_mutex", "inotify_watch#"}, []string{"dev->up_mutex"}, false},
	} {
		name := "linux"
		if c.personality != "" {
			name = "linux-2.6.18"
		}
		t.Run(name, func(t *testing.T) {
			p := writeFile(t, "rm.scen", c.personality+rmScenario)
			r := inosim(t, "", nil, "run", "--trace=locks,refs", p)
			r.want(t, 0, "run --trace=locks,refs")
			f, err := scenario.Parse("trace", []byte(r.stdout))
			if err != nil {
				t.Fatalf("trace output does not parse: %v", err)
			}
			if len(f.Commands) != 5 {
				t.Errorf("%d commands, want 5", len(f.Commands))
			}
			block := traceUnder(r.stdout, "inotify_rm_watch i w")
			for _, s := range c.want {
				if !strings.Contains(block, s) {
					t.Errorf("rm_watch's trace lacks %q:\n%s", s, block)
				}
			}
			in := block
			if c.anywhere {
				in = r.stdout
			}
			for _, s := range c.not {
				if strings.Contains(in, s) {
					t.Errorf("the trace names %s:\n%s", s, in)
				}
			}
			tp := writeFile(t, "traced.scen", r.stdout)
			inosim(t, "", nil, "check", tp).want(t, 0, "check of a traced transcript")
		})
	}
}

// TestSimulatorTouchesNothing: in simulator mode, run makes no inotify call
// and creates, removes or opens none of the scenario's paths on the host.
func TestSimulatorTouchesNothing(t *testing.T) {
	needBin(t)
	st, err := exec.LookPath("strace")
	if err != nil {
		t.Skip("strace is not installed (apt-get install strace)")
	}
	scen := writeFile(t, "touch.scen", `mkdir /inosim-strace-d
creat /inosim-strace-d/a
i = inotify_init
w = inotify_add_watch i /inosim-strace-d IN_ALL_EVENTS
rename /inosim-strace-d/a /inosim-strace-d/b
link /inosim-strace-d/b /inosim-strace-d/c
unlink /inosim-strace-d/b
unlink /inosim-strace-d/c
rmdir /inosim-strace-d
read i
`)
	log := filepath.Join(t.TempDir(), "strace.log")
	cmd := exec.Command(st, "-f", "-o", log,
		"-e", "trace=inotify_init,inotify_init1,inotify_add_watch,inotify_rm_watch,mkdir,mkdirat,unlink,unlinkat,rename,renameat,renameat2,openat",
		bin, "run", scen)
	out, err := cmd.CombinedOutput()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) && strings.Contains(string(out), "PTRACE") {
			t.Skipf("strace cannot trace here: %s", out)
		}
		t.Fatalf("strace inosim run: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "IN_DELETE_SELF") {
		t.Fatalf("run did not print the transcript:\n%s", out)
	}
	raw, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	openRE := regexp.MustCompile(`openat\([^,]*, "([^"]*)"`)
	system := []string{"/sys/", "/proc/", "/etc/", "/usr/", "/lib", "/dev/"}
	for _, l := range strings.Split(string(raw), "\n") {
		switch {
		case strings.Contains(l, "inotify_"):
			t.Errorf("inotify system call: %s", l)
		case strings.Contains(l, "inosim-strace-d"):
			t.Errorf("a scenario path reached the host: %s", l)
		case regexp.MustCompile(`\b(mkdir|mkdirat|unlink|unlinkat|rename|renameat|renameat2)\(`).MatchString(l):
			t.Errorf("the simulator changed the host's file system: %s", l)
		}
		m := openRE.FindStringSubmatch(l)
		if m == nil || m[1] == scen {
			continue
		}
		ok := false
		for _, prefix := range system {
			ok = ok || strings.HasPrefix(m[1], prefix)
		}
		if !ok {
			t.Errorf("opened a file that is neither the scenario nor a system file: %s", l)
		}
	}
}

// TestTraceWalkthroughIsCurrent: the inotify_rm_watch traces that
// docs/scenarios.md walks through, today's and the seeds'
// (personality linux-2.6.18), are what the tool prints.
func TestTraceWalkthroughIsCurrent(t *testing.T) {
	doc, err := os.ReadFile("../../docs/scenarios.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, personality := range []string{"", "personality linux-2.6.18\n"} {
		p := writeFile(t, "rm.scen", personality+rmScenario)
		r := inosim(t, "", nil, "run", "--trace=locks,refs", p)
		r.want(t, 0, "run --trace=locks,refs")
		block := traceUnder(r.stdout, "inotify_rm_watch i w")
		if block == "" {
			t.Fatalf("no trace under inotify_rm_watch:\n%s", r.stdout)
		}
		want := "inotify_rm_watch i w\n" + block + "\n"
		if !strings.Contains(string(doc), want) {
			t.Errorf("docs/scenarios.md no longer shows the trace inosim prints (%q); update its walk-through for:\n%s", personality, want)
		}
	}
}

// TestIllumosSimulatorOnly: a scenario under personality illumos runs and
// checks in the simulator; run --kernel and diff refuse it with one line
// and exit 2, before any transcript is printed (the host is Linux).
func TestIllumosSimulatorOnly(t *testing.T) {
	p := writeFile(t, "il.scen", "personality illumos\nmkdir /d\n")
	r := inosim(t, "", nil, "run", p)
	r.want(t, 0, "run of an illumos scenario")
	if r.stdout != "personality illumos\nmkdir /d\n" {
		t.Errorf("run printed %q", r.stdout)
	}
	r = inosim(t, "", nil, "check", p)
	r.want(t, 0, "check of an illumos scenario")
	for _, args := range [][]string{{"run", "--kernel", p}, {"diff", p}} {
		r := inosim(t, "", []string{"INOSIM_HOSTKERNEL=off"}, args...)
		r.want(t, 2, strings.Join(args[:len(args)-1], " ")+" of an illumos scenario")
		if r.stdout != "" || strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("%v: stdout %q, stderr %q; want no output and one line on stderr", args, r.stdout, r.stderr)
		}
		if os.Geteuid() != 0 {
			continue
		}
		r = inosim(t, "", nil, args...)
		r.want(t, 2, strings.Join(args[:len(args)-1], " ")+" of an illumos scenario")
		if r.stdout != "" || !strings.Contains(r.stderr, "personality illumos cannot run on the host kernel") ||
			strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("%v: stdout %q, stderr %q; want no output and one line on stderr", args, r.stdout, r.stderr)
		}
	}
}

// TestOops: a call that oopses the simulated kernel (seed 000's add_watch
// on a non-inotify fd) shows as "=> OOPS"; run prints the report on
// standard error and exits 0 (an oops is the modelled kernel's behaviour,
// not a simulator failure); check of the transcript passes quietly.
func TestOops(t *testing.T) {
	const oopsScen = "../../sim/testdata/personality/linux-2.6.13-oops.scen"
	r := inosim(t, "", nil, "run", oopsScen)
	r.want(t, 0, "run of a scenario that oopses")
	if !strings.Contains(r.stdout, "inotify_add_watch f /d IN_CREATE => OOPS\n") {
		t.Errorf("the transcript does not show the oops:\n%s", r.stdout)
	}
	for _, s := range []string{oopsScen + ": kernel oops:\n", "BUG: unable to handle kernel NULL pointer dereference",
		"Oops: 0002 [#1]", "EIP is at sys_inotify_add_watch", "Process task/1 at " + oopsScen + ":",
		"EIP is at inotify_ignore (from sys_inotify_rm_watch)"} {
		if !strings.Contains(r.stderr, s) {
			t.Errorf("stderr lacks %q:\n%s", s, r.stderr)
		}
	}
	r = inosim(t, r.stdout, nil, "check", "-")
	r.want(t, 0, "check of run's transcript")
	if r.stdout != "" || r.stderr != "" {
		t.Errorf("check printed %q, %q", r.stdout, r.stderr)
	}
}

// TestBugTracesAreCurrent: every trace line docs/bugs.md and
// docs/explore.md quote is one that inosim prints for the examples they
// are about (the bug pairs, with the replay tokens the pages name, and the
// race of examples/concurrent), so the pages cannot drift from the code.
func TestBugTracesAreCurrent(t *testing.T) {
	var out strings.Builder
	files, err := filepath.Glob("../../examples/bugs/*.scen")
	if err != nil {
		t.Fatal(err)
	}
	runs := [][]string{
		{"--schedule", "s22c", "../../examples/bugs/invalid-wd.scen"},
		{"--schedule", "s10c", "../../examples/bugs/connector-uaf.scen"},
		{"--schedule", "s18c", "../../examples/bugs/cve-2008-5182.scen"},
		{"--schedule", "s28c", "../../examples/bugs/clear-marks-uaf.scen"},
		{"--schedule", "s3c", "../../examples/concurrent/rm-watch-vs-close.scen"},
	}
	for _, f := range files {
		runs = append(runs, []string{f})
	}
	for _, args := range runs {
		r := inosim(t, "", nil, append([]string{"run", "--trace=locks,refs"}, args...)...)
		out.WriteString(r.stdout)
	}
	printed := map[string]bool{}
	for _, l := range strings.Split(out.String(), "\n") {
		printed[l] = true
	}
	quoted := regexp.MustCompile(`^# (lock|unlock|rlock|sync|get|put|free|touch|init|switch) `)
	for _, doc := range []string{"../../docs/bugs.md", "../../docs/explore.md"} {
		b, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(string(b), "\n") {
			if quoted.MatchString(l) && !printed[l] {
				t.Errorf("%s quotes a trace line no run prints: %s", doc, l)
			}
		}
	}
}
