package proptest

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/inosim/inosim/scenario"
	"github.com/inosim/inosim/uapi"
)

// call is one Machine call as a session saw it: what went in and what came
// back (events decoded; cookies are compared by label, not value).
type call struct {
	Op     string
	Ret    int
	Err    string
	Events []uapi.Event
}

// recorder wraps a Machine and logs every call's result.
type recorder struct {
	m     scenario.Machine
	calls []call
	// inotify is the set of open inotify fds, for invariant checks.
	inotify map[int]bool
	// readEvents counts the events read from each open inotify fd, by kind.
	read map[int]*readCount
}

type readCount struct{ events, overflows int }

func newRecorder(m scenario.Machine) *recorder {
	return &recorder{m: m, inotify: map[int]bool{}, read: map[int]*readCount{}}
}

func errName(err error) string {
	if err == nil {
		return ""
	}
	return errOutcomeName(err)
}

func (r *recorder) log(op string, ret int, err error) {
	r.calls = append(r.calls, call{Op: op, Ret: ret, Err: errName(err)})
}

func (r *recorder) Mkdir(p string, mode uint32) error {
	err := r.m.Mkdir(p, mode)
	r.log("mkdir", 0, err)
	return err
}
func (r *recorder) Rmdir(p string) error { err := r.m.Rmdir(p); r.log("rmdir", 0, err); return err }
func (r *recorder) Open(p string, flags int, mode uint32) (int, error) {
	fd, err := r.m.Open(p, flags, mode)
	r.log("open", fd, err)
	return fd, err
}
func (r *recorder) Close(fd int) error {
	err := r.m.Close(fd)
	if err == nil {
		delete(r.inotify, fd)
		delete(r.read, fd)
	}
	r.log("close", 0, err)
	return err
}
func (r *recorder) Write(fd int, data []byte) (int, error) {
	n, err := r.m.Write(fd, data)
	r.log("write", n, err)
	return n, err
}
func (r *recorder) Read(fd int, n int) ([]byte, error) {
	b, err := r.m.Read(fd, n)
	r.log("read", len(b), err)
	return b, err
}
func (r *recorder) Lseek(fd int, off int64) (int64, error) {
	n, err := r.m.Lseek(fd, off)
	r.log("lseek", int(n), err)
	return n, err
}
func (r *recorder) Chdir(p string) error { err := r.m.Chdir(p); r.log("chdir", 0, err); return err }
func (r *recorder) Truncate(p string, n int64) error {
	err := r.m.Truncate(p, n)
	r.log("truncate", 0, err)
	return err
}
func (r *recorder) Ftruncate(fd int, n int64) error {
	err := r.m.Ftruncate(fd, n)
	r.log("ftruncate", 0, err)
	return err
}
func (r *recorder) Chmod(p string, mode uint32) error {
	err := r.m.Chmod(p, mode)
	r.log("chmod", 0, err)
	return err
}
func (r *recorder) Fchmod(fd int, mode uint32) error {
	err := r.m.Fchmod(fd, mode)
	r.log("fchmod", 0, err)
	return err
}
func (r *recorder) Chown(p string, uid, gid uint32) error {
	err := r.m.Chown(p, uid, gid)
	r.log("chown", 0, err)
	return err
}
func (r *recorder) Utimes(p string, a, m bool) error {
	err := r.m.Utimes(p, a, m)
	r.log("utimes", 0, err)
	return err
}
func (r *recorder) Link(o, n string) error { err := r.m.Link(o, n); r.log("link", 0, err); return err }
func (r *recorder) Symlink(t, p string) error {
	err := r.m.Symlink(t, p)
	r.log("symlink", 0, err)
	return err
}
func (r *recorder) Mkfifo(p string, mode uint32) error {
	err := r.m.Mkfifo(p, mode)
	r.log("mkfifo", 0, err)
	return err
}
func (r *recorder) Unlink(p string) error { err := r.m.Unlink(p); r.log("unlink", 0, err); return err }
func (r *recorder) Rename(o, n string, flags int) error {
	err := r.m.Rename(o, n, flags)
	r.log("rename", 0, err)
	return err
}
func (r *recorder) Readdir(p string) error {
	err := r.m.Readdir(p)
	r.log("readdir", 0, err)
	return err
}
func (r *recorder) Mount(fstype, p string) error {
	err := r.m.Mount(fstype, p)
	r.log("mount", 0, err)
	return err
}
func (r *recorder) Umount(p string, flags int) error {
	err := r.m.Umount(p, flags)
	r.log("umount", 0, err)
	return err
}
func (r *recorder) SetCred(uid, gid uint32) error {
	err := r.m.SetCred(uid, gid)
	r.log("setcred", 0, err)
	return err
}
func (r *recorder) Sysctl(key string, v int64) error {
	err := r.m.Sysctl(key, v)
	r.log("sysctl", 0, err)
	return err
}
func (r *recorder) InotifyInit1(flags int) (int, error) {
	fd, err := r.m.InotifyInit1(flags)
	if err == nil {
		r.inotify[fd] = true
		r.read[fd] = &readCount{}
	}
	r.log("inotify_init1", fd, err)
	return fd, err
}
func (r *recorder) InotifyAddWatch(fd int, p string, mask uint32) (int, error) {
	wd, err := r.m.InotifyAddWatch(fd, p, mask)
	r.log("inotify_add_watch", wd, err)
	return wd, err
}
func (r *recorder) InotifyRmWatch(fd, wd int) error {
	err := r.m.InotifyRmWatch(fd, wd)
	r.log("inotify_rm_watch", 0, err)
	return err
}
func (r *recorder) InotifyRead(fd int, n int) ([]byte, error) {
	b, err := r.m.InotifyRead(fd, n)
	evs, derr := uapi.Decode(b)
	if derr != nil {
		err = derr
	}
	if rc := r.read[fd]; rc != nil {
		for _, e := range evs {
			if e.Mask == uapi.IN_Q_OVERFLOW && e.Wd == -1 {
				rc.overflows++
			} else {
				rc.events++
			}
		}
	}
	r.calls = append(r.calls, call{Op: "inotify_read", Ret: len(b), Err: errName(err), Events: evs})
	return b, err
}
func (r *recorder) Fionread(fd int) (int, error) {
	n, err := r.m.Fionread(fd)
	r.log("fionread", n, err)
	return n, err
}
func (r *recorder) SetNextWd(fd int, wd int64) error {
	err := r.m.SetNextWd(fd, wd)
	r.log("setnextwd", 0, err)
	return err
}
func (r *recorder) Tick(n int) error {
	err := r.m.Tick(n)
	r.log("tick", 0, err)
	return err
}
func (r *recorder) IocAddWatch(ifd, fd int, mask uint32) (int, error) {
	wd, err := r.m.IocAddWatch(ifd, fd, mask)
	r.log("inotifyioc_add_watch", wd, err)
	return wd, err
}
func (r *recorder) IocAddChild(ifd, fd int, name string) error {
	err := r.m.IocAddChild(ifd, fd, name)
	r.log("inotifyioc_add_child", 0, err)
	return err
}
func (r *recorder) IocActivate(ifd, wd int) error {
	err := r.m.IocActivate(ifd, wd)
	r.log("inotifyioc_activate", 0, err)
	return err
}

// session drives one Machine through scenario.RunWith one command at a
// time: the interpreter runs in its own goroutine over a file of
// placeholder commands, and its Before hook waits for the next command and
// copies it into the placeholder about to run. So the interpreter's own
// bookkeeping (bindings, wd names, which fds are instances) is what both
// machines see, exactly as when a whole file runs.
type session struct {
	rec  *recorder
	cmds chan *scenario.Command
	done chan struct{}
	n    int
	fin  chan struct{}
	// panicked is what the machine's goroutine panicked with (and its
	// stack), read once fin is closed: exec panics with it on the
	// caller's goroutine, where rapid reports and shrinks it.
	panicked string
}

// maxSteps bounds the commands of one session.
const maxSteps = 2000

func newSession(m scenario.Machine, before func()) *session {
	s := &session{rec: newRecorder(m), cmds: make(chan *scenario.Command), done: make(chan struct{}), fin: make(chan struct{})}
	f := &scenario.File{Name: "gen.scen", Personality: uapi.PersonalityLinux}
	f.Lines = make([]scenario.Line, maxSteps)
	for i := range f.Lines {
		f.Lines[i] = scenario.Line{Num: i + 1, Kind: scenario.CommandLine, Cmd: &scenario.Command{}}
	}
	first := true
	go func() {
		defer close(s.fin)
		defer func() {
			if p := recover(); p != nil {
				s.panicked = fmt.Sprintf("%v\n%s", p, debug.Stack())
			}
		}()
		scenario.RunWith(f, s.rec, scenario.RunOptions{Before: func(l scenario.Line) {
			if !first {
				s.done <- struct{}{}
			}
			first = false
			c := <-s.cmds
			if c == nil {
				runtime.Goexit()
			}
			*l.Cmd = *c
			if before != nil {
				before()
			}
		}})
	}()
	return s
}

// exec runs one command and returns the calls it made.
func (s *session) exec(c *scenario.Command) []call {
	s.rec.calls = nil
	s.n++
	if s.n >= maxSteps {
		panic("session: too many steps")
	}
	select {
	case s.cmds <- c:
	case <-s.fin:
		panic("machine stopped: " + s.panicked)
	}
	select {
	case <-s.done:
	case <-s.fin:
		panic("machine panicked: " + s.panicked)
	}
	return s.rec.calls
}

// sysctl applies a header sysctl line (a machine setting, as Run does).
func (s *session) sysctl(key string, v int64) []call {
	s.rec.calls = nil
	_ = s.rec.Sysctl(key, v)
	return s.rec.calls
}

// stop ends the interpreter goroutine.
func (s *session) stop() {
	select {
	case s.cmds <- nil:
	case <-s.fin:
	}
	<-s.fin
}

// namePrelude binds every name the generator uses, so that one command line
// parses on its own after it.
var namePrelude = func() string {
	var b strings.Builder
	for _, n := range allNames {
		b.WriteString(n + " = inotify_init\n")
	}
	return b.String()
}()

// parseLine parses one generated line: a command, or a sysctl header.
func parseLine(line string) (*scenario.File, error) {
	return scenario.Parse("step", []byte(namePrelude+line+"\n"))
}
