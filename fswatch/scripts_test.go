package fswatch

// The runner of the scripts in testdata/fsnotify: fsnotify's own test
// scripts (testdata/watch-dir, watch-file and watch-symlink of
// github.com/fsnotify/fsnotify), ported to this package's harness. Each
// runs on the simulator and on the host's kernel (as root).

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/inosim/inosim/simtest"
	"github.com/inosim/inosim/unixsim"
)

type scriptCmd struct {
	line int
	cmd  string
	args []string
}

// parseScript splits a script into commands and the expected output for
// Linux (a "linux:" section if there is one, else the default).
func parseScript(t *testing.T, text string) (cmds []scriptCmd, want []string, skip string) {
	var out []string
	inOut := false
	for i, line := range strings.Split(text, "\n") {
		if j := strings.IndexByte(line, '#'); j >= 0 {
			line = line[:j]
		}
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if line == "Output:" {
			inOut = true
			continue
		}
		if inOut {
			out = append(out, line)
			continue
		}
		c := scriptCmd{line: i + 1}
		var cur []rune
		quoted := false
		flush := func() {
			if len(cur) == 0 {
				return
			}
			if c.cmd == "" {
				c.cmd = string(cur)
			} else {
				c.args = append(c.args, string(cur))
			}
			cur = cur[:0]
		}
		for _, r := range line {
			switch {
			case (r == ' ' || r == '\t') && !quoted:
				flush()
			case r == '"' || r == '\'':
				quoted = !quoted
			default:
				cur = append(cur, r)
			}
		}
		flush()
		if (c.cmd == "skip" || c.cmd == "require") && len(c.args) == 1 {
			switch c.args[0] {
			case "mknod":
				skip = "device nodes: neither the simulator nor unixsim.Sys has mknod of a device"
			case "always":
				skip = "skipped by the script"
			}
		}
		cmds = append(cmds, c)
	}
	sections := map[string][]string{}
	groups := []string{""}
	for _, l := range out {
		if strings.HasSuffix(l, ":") {
			groups = strings.Split(strings.TrimSuffix(l, ":"), ",")
			for i := range groups {
				groups[i] = strings.TrimSpace(groups[i])
			}
			continue
		}
		for _, g := range groups {
			if l == "no-events" || l == "empty" {
				sections[g] = []string{}
				continue
			}
			f := strings.Fields(l)
			e := strings.ToUpper(f[0]) + " " + f[1]
			if len(f) == 4 {
				e += " ← " + f[3]
			}
			sections[g] = append(sections[g], e)
		}
	}
	if w, ok := sections["linux"]; ok {
		return cmds, w, skip
	}
	return cmds, sections[""], skip
}

// scriptEnv runs a script's commands through a Sys, as the shell commands
// fsnotify's harness makes with package os.
type scriptEnv struct {
	t    *testing.T
	sys  unixsim.Sys
	root string
}

func (e *scriptEnv) path(s string) string {
	if strings.HasPrefix(s, "./") {
		return s
	}
	return filepath.Join(e.root, s)
}

func (e *scriptEnv) must(c scriptCmd, err error) {
	if err != nil {
		e.t.Fatalf("line %d: %s %v: %v", c.line, c.cmd, c.args, err)
	}
}

func (e *scriptEnv) write(c scriptCmd, p string, flags int, data string) {
	fd, err := e.sys.Open(p, flags|unix.O_WRONLY|unix.O_CREAT|unix.O_CLOEXEC, 0o666)
	e.must(c, err)
	if data != "" {
		_, err = e.sys.Write(fd, []byte(data))
		e.must(c, err)
	}
	e.must(c, e.sys.Close(fd))
}

// removeAll is os.RemoveAll: children first, in directory order.
func (e *scriptEnv) removeAll(p string) error {
	var st unix.Stat_t
	if err := e.sys.Lstat(p, &st); err != nil {
		return err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		return e.sys.Unlink(p)
	}
	fd, err := e.sys.Open(p, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	var names []string
	buf := make([]byte, 8192)
	for {
		n, err := e.sys.Getdents(fd, buf)
		if err != nil || n == 0 {
			break
		}
		_, _, names = unix.ParseDirent(buf[:n], -1, names)
	}
	e.sys.Close(fd)
	for _, n := range names {
		if err := e.removeAll(p + "/" + n); err != nil {
			return err
		}
	}
	return e.sys.Rmdir(p)
}

func (e *scriptEnv) run(w *Watcher, c scriptCmd, sentinelWatches int) {
	a := c.args
	switch c.cmd {
	case "skip", "require", "debug", "sleep": // events are queued by the call itself: nothing to wait for
	case "watch":
		var opts []AddOpt
		var op Op
		for _, o := range a[1:] {
			switch strings.ToLower(o) {
			case "nofollow", "no-follow":
				opts = append(opts, WithNoFollow())
			case "default":
				op |= Create | Write | Remove | Rename | Chmod
			case "create":
				op |= Create
			case "write":
				op |= Write
			case "remove":
				op |= Remove
			case "rename":
				op |= Rename
			case "chmod":
				op |= Chmod
			case "open":
				op |= UnportableOpen
			case "read":
				op |= UnportableRead
			case "close_write":
				op |= UnportableCloseWrite
			case "close_read":
				op |= UnportableCloseRead
			default:
				e.t.Fatalf("line %d: unknown op %q", c.line, o)
			}
		}
		if op != 0 {
			opts = append(opts, WithOps(op))
		}
		e.must(c, w.AddWith(e.path(a[0]), opts...))
	case "unwatch":
		e.must(c, w.Remove(e.path(a[0])))
	case "watchlist":
		n, _ := strconv.Atoi(a[0])
		if got := len(w.WatchList()) - sentinelWatches; got != n {
			e.t.Errorf("line %d: watchlist has %d entries, not %d", c.line, got, n)
		}
	case "touch":
		e.write(c, e.path(a[0]), unix.O_TRUNC, "")
	case "mkdir":
		if a[0] == "-p" {
			p := e.root
			for _, part := range strings.Split(strings.Trim(a[1], "/"), "/") {
				p += "/" + part
				if err := e.sys.Mkdir(p, 0o777); err != nil && !errors.Is(err, unix.EEXIST) {
					e.must(c, err)
				}
			}
			return
		}
		e.must(c, e.sys.Mkdir(e.path(a[0]), 0o777))
	case "ln":
		e.must(c, e.sys.Symlink(e.path(a[1]), e.path(a[2])))
	case "mkfifo":
		e.must(c, e.sys.Mkfifo(e.path(a[0]), 0o666))
	case "mv":
		e.must(c, e.sys.Rename(e.path(a[0]), e.path(a[1])))
	case "rm":
		if a[0] == "-r" {
			e.must(c, e.removeAll(e.path(a[1])))
			return
		}
		p := e.path(a[0])
		if err := e.sys.Unlink(p); err != nil {
			e.must(c, e.sys.Rmdir(p))
		}
	case "chmod":
		m, _ := strconv.ParseUint(a[0], 8, 32)
		e.must(c, e.sys.Chmod(e.path(a[1]), uint32(m)))
	case "cat":
		fd, err := e.sys.Open(e.path(a[0]), unix.O_RDONLY|unix.O_CLOEXEC, 0)
		e.must(c, err)
		buf := make([]byte, 4096)
		for {
			n, err := e.sys.Read(fd, buf)
			e.must(c, err)
			if n == 0 {
				break
			}
		}
		e.must(c, e.sys.Close(fd))
	case "echo":
		data, op, dst := a[0], "", ""
		if len(a) == 3 {
			op, dst = a[1], a[2]
		} else if strings.HasPrefix(a[1], ">>") {
			op, dst = ">>", a[1][2:]
		} else {
			op, dst = ">", a[1][1:]
		}
		flags := unix.O_TRUNC
		if op == ">>" {
			flags = unix.O_APPEND
		}
		e.write(c, e.path(dst), flags, data+"\n")
	default:
		e.t.Fatalf("line %d: unknown command %q", c.line, c.cmd)
	}
}

// syncSys makes each call that can queue an event wait until the watcher
// has delivered it: it then creates a file in a sentinel directory the
// watcher also watches, and waits for that file's Create. One inotify
// instance's events arrive in order, so every earlier event has come out
// by then. This is what fsnotify's harness gets by sleeping between
// operations: the reader reads each call's events before the next call
// is made, and inotify merges no two of them.
type syncSys struct {
	unixsim.Sys
	sync func()
}

func (s syncSys) Open(p string, mode int, perm uint32) (int, error) {
	defer s.sync()
	return s.Sys.Open(p, mode, perm)
}
func (s syncSys) Read(fd int, b []byte) (int, error)  { defer s.sync(); return s.Sys.Read(fd, b) }
func (s syncSys) Write(fd int, b []byte) (int, error) { defer s.sync(); return s.Sys.Write(fd, b) }
func (s syncSys) Close(fd int) error                  { defer s.sync(); return s.Sys.Close(fd) }
func (s syncSys) Mkdir(p string, m uint32) error      { defer s.sync(); return s.Sys.Mkdir(p, m) }
func (s syncSys) Rmdir(p string) error                { defer s.sync(); return s.Sys.Rmdir(p) }
func (s syncSys) Unlink(p string) error               { defer s.sync(); return s.Sys.Unlink(p) }
func (s syncSys) Rename(a, b string) error            { defer s.sync(); return s.Sys.Rename(a, b) }
func (s syncSys) Symlink(a, b string) error           { defer s.sync(); return s.Sys.Symlink(a, b) }
func (s syncSys) Mkfifo(p string, m uint32) error     { defer s.sync(); return s.Sys.Mkfifo(p, m) }
func (s syncSys) Chmod(p string, m uint32) error      { defer s.sync(); return s.Sys.Chmod(p, m) }

// runScript runs one script on s and compares the events, sorted, with
// the expected ones.
func runScript(t *testing.T, s simtest.System, text string) {
	cmds, want, skip := parseScript(t, text)
	if skip != "" {
		t.Skip(skip)
	}
	w, err := NewWatcher(s.Sys)
	if err != nil {
		t.Fatal(err)
	}
	sentinel := filepath.Join(filepath.Dir(s.Root), ".sentinel")
	if err := s.Sys.Mkdir(sentinel, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := w.AddWith(sentinel, WithOps(Create)); err != nil {
		t.Fatal(err)
	}
	var got []Event
	synced, done := make(chan string), make(chan struct{})
	go func() {
		defer close(done)
		errs := w.Errors
		for {
			select {
			case ev, ok := <-w.Events:
				if !ok {
					return
				}
				if strings.HasPrefix(ev.Name, sentinel+"/") {
					synced <- ev.Name
					continue
				}
				got = append(got, ev)
			case err, ok := <-errs:
				if !ok {
					errs = nil
					continue
				}
				t.Error(err)
			}
		}
	}()
	n := 0
	sync := func() {
		n++
		name := fmt.Sprintf("%s/%d", sentinel, n)
		fd, err := s.Sys.Open(name, unix.O_CREAT|unix.O_WRONLY|unix.O_CLOEXEC, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		s.Sys.Close(fd)
		if got := <-synced; got != name {
			t.Fatalf("sentinel %s, want %s", got, name)
		}
	}
	env := &scriptEnv{t: t, sys: syncSys{Sys: s.Sys, sync: sync}, root: s.Root}
	for _, c := range cmds {
		if c.cmd == "stop" {
			break
		}
		env.run(w, c, 1)
		sync() // and after the watcher's own calls (watch, unwatch)
	}
	if err := w.Close(); err != nil {
		t.Error(err)
	}
	<-done
	var have []string
	for _, ev := range got {
		line := ev.Op.String() + " " + strings.TrimPrefix(ev.Name, s.Root)
		if ev.Name == s.Root {
			line = ev.Op.String() + " /"
		}
		if ev.renamedFrom != "" {
			line += " ← " + strings.TrimPrefix(ev.renamedFrom, s.Root)
		}
		have = append(have, line)
	}
	sort.Strings(have)
	sort.Strings(want)
	if strings.Join(have, "\n") != strings.Join(want, "\n") {
		t.Errorf("events differ\nhave:\n\t%s\nwant:\n\t%s", strings.Join(have, "\n\t"), strings.Join(want, "\n\t"))
	}
}

// TestFsnotifyScripts runs every ported script on both kernels; its last
// log line counts the passes.
func TestFsnotifyScripts(t *testing.T) {
	files, err := filepath.Glob("testdata/fsnotify/*/*")
	if err != nil || len(files) == 0 {
		t.Fatalf("no scripts: %v", err)
	}
	pass := map[string]int{}
	for _, f := range files {
		text, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimPrefix(f, "testdata/fsnotify/")
		t.Run(name, func(t *testing.T) {
			simtest.OnBoth(t, func(t *testing.T, s simtest.System) {
				runScript(t, s, string(text))
				if !t.Failed() && !t.Skipped() {
					pass[s.Name]++
				}
			})
		})
	}
	t.Logf("fsnotify scripts: %d; passed on the simulator %d, on the host %d", len(files), pass["sim"], pass["host"])
}
