package simrun

import (
	"errors"
	"fmt"
	"strings"
	"syscall"

	"github.com/inosim/inosim/hooks"
	"github.com/inosim/inosim/internal/personality"
	"github.com/inosim/inosim/internal/sched"
	"github.com/inosim/inosim/scenario"
	"github.com/inosim/inosim/sim"
	"github.com/inosim/inosim/uapi"
)

// simMachine runs a scenario's calls as one task of a simulated kernel.
type simMachine struct {
	k *sim.Kernel
	t *sim.Task
}

var _ scenario.DirChecker = (*simMachine)(nil)

func (s *simMachine) Mkdir(p string, mode uint32) error { return s.t.Mkdir(p, mode) }
func (s *simMachine) Rmdir(p string) error              { return s.t.Rmdir(p) }
func (s *simMachine) Open(p string, flags int, mode uint32) (int, error) {
	return s.t.Open(p, flags, mode)
}
func (s *simMachine) Close(fd int) error                     { return s.t.Close(fd) }
func (s *simMachine) Write(fd int, data []byte) (int, error) { return s.t.Write(fd, data) }
func (s *simMachine) Read(fd int, n int) ([]byte, error)     { return s.t.Read(fd, n) }
func (s *simMachine) Lseek(fd int, off int64) (int64, error) { return s.t.Lseek(fd, off) }
func (s *simMachine) Chdir(p string) error                   { return s.t.Chdir(p) }
func (s *simMachine) Truncate(p string, n int64) error       { return s.t.Truncate(p, n) }
func (s *simMachine) Ftruncate(fd int, n int64) error        { return s.t.Ftruncate(fd, n) }
func (s *simMachine) Chmod(p string, mode uint32) error      { return s.t.Chmod(p, mode) }
func (s *simMachine) Fchmod(fd int, mode uint32) error       { return s.t.Fchmod(fd, mode) }
func (s *simMachine) Chown(p string, uid, gid uint32) error  { return s.t.Chown(p, uid, gid) }
func (s *simMachine) Link(o, n string) error                 { return s.t.Link(o, n) }
func (s *simMachine) Symlink(target, p string) error         { return s.t.Symlink(target, p) }
func (s *simMachine) Mkfifo(p string, mode uint32) error     { return s.t.Mkfifo(p, mode) }
func (s *simMachine) Unlink(p string) error                  { return s.t.Unlink(p) }
func (s *simMachine) Rename(o, n string, flags int) error    { return s.t.Rename(o, n, flags) }
func (s *simMachine) Mount(fstype, p string) error           { return s.t.Mount(fstype, p) }
func (s *simMachine) Umount(p string, flags int) error       { return s.t.Umount(p, flags) }
func (s *simMachine) Sysctl(key string, v int64) error       { return s.k.SetSysctl(key, v) }
func (s *simMachine) InotifyRmWatch(fd, wd int) error        { return oops(s.t.InotifyRmWatch(fd, wd)) }
func (s *simMachine) SetNextWd(fd int, wd int64) error {
	_, err := s.t.Ioctl(fd, uapi.INOTIFY_IOC_SETNEXTWD, wd)
	return err
}
func (s *simMachine) Fionread(fd int) (int, error) { return s.t.Ioctl(fd, uapi.FIONREAD, 0) }
func (s *simMachine) Tick(n int) error             { s.k.Tick(n); return nil }
func (s *simMachine) IocAddWatch(ifd, fd int, mask uint32) (int, error) {
	return s.t.InotifyIoctl(ifd, uapi.INOTIFYIOC_ADD_WATCH, uapi.InotifyAddwatch{Fd: int32(fd), Mask: mask})
}
func (s *simMachine) IocAddChild(ifd, fd int, name string) error {
	_, err := s.t.InotifyIoctl(ifd, uapi.INOTIFYIOC_ADD_CHILD, uapi.InotifyAddchild{Name: name, Fd: int32(fd)})
	return err
}
func (s *simMachine) IocActivate(ifd, wd int) error {
	_, err := s.t.InotifyIoctl(ifd, uapi.INOTIFYIOC_ACTIVATE, int64(wd))
	return err
}
func (s *simMachine) Readdir(p string) error        { _, err := s.t.Readdir(p); return err }
func (s *simMachine) SetCred(uid, gid uint32) error { s.t.SetCred(uid, gid); return nil }
func (s *simMachine) InotifyAddWatch(fd int, p string, mask uint32) (int, error) {
	wd, err := s.t.InotifyAddWatch(fd, p, mask)
	return wd, oops(err)
}

// oops turns a kernel oops into the scenario's ErrOops (its report is in
// the kernel log, Result.Oopses).
func oops(err error) error {
	var o *hooks.Oops
	if errors.As(err, &o) {
		return fmt.Errorf("%w: %v", scenario.ErrOops, o)
	}
	return err
}

func (s *simMachine) Utimes(p string, atime, mtime bool) error {
	which := sim.UtimeBoth
	switch {
	case atime && !mtime:
		which = sim.UtimeAtime
	case mtime && !atime:
		which = sim.UtimeMtime
	}
	return s.t.Utimes(p, which)
}

// InotifyInit1 with no flags is plain inotify_init, which the seed
// personalities have (inotify_init1 came in 2.6.27).
func (s *simMachine) InotifyInit1(flags int) (int, error) {
	if flags == 0 {
		return s.t.InotifyInit()
	}
	return s.t.InotifyInit1(flags)
}

// InotifyRead never blocks: poll first, as a scenario read of an empty
// queue gives no events whatever the fd's O_NONBLOCK flag.
func (s *simMachine) InotifyRead(fd int, n int) ([]byte, error) {
	ready, err := s.t.Poll(fd)
	if err != nil {
		return nil, err
	}
	if !ready {
		return nil, nil
	}
	b, err := s.t.Read(fd, n)
	if errors.Is(err, syscall.EAGAIN) {
		return nil, nil
	}
	return b, err
}

// IsDir tells whether path names a directory, following a final symlink
// when follow is set; it makes no event (a stat).
func (s *simMachine) IsDir(path string, follow bool) bool {
	return s.t.IsDir(path, follow)
}

// Result is a scenario run in the simulator.
type Result struct {
	Outcomes []scenario.Outcome
	// Problems are what the kernel's checkers found (lockdep reports,
	// refcount reports, leaks at shutdown) that the file does not expect,
	// and each expect line no report matched; empty when clean.
	Problems []string
	// Expected are the reports the file's expect lines matched.
	Expected []string
	// Unmet are the expect lines no report matched. In a concurrent file
	// an expect line says that some schedule makes the report (Explore
	// checks that), so there they are not Problems.
	Unmet []string
	// Oopses are the kernel's oops reports (sim's Kernel.Oopses): the
	// modelled kernel's own bugs, shown as "=> OOPS" in the transcript;
	// not problems of the simulator.
	Oopses []string
	// Schedule is the replay token of the schedule a concurrent file ran
	// (package sched), "" for a file without concurrency.
	Schedule string
	// Deadlock is set when a concurrent block stopped with every task
	// blocked; its report is also among the Problems, after lockdep's.
	Deadlock *sched.Deadlock
	// Decisions counts the scheduler's decision points in the run.
	Decisions int
}

// Options tune Run.
type Options struct {
	// Bugs are historical bugs to put back besides the file's bug lines
	// (inosim's --bug), by personality.Bugs name.
	Bugs []string
	// Kernel options, e.g. sim.WithChecks(false).
	Kernel []sim.Option
	// WatchInfo: see scenario.RunOptions.
	WatchInfo bool
	// Setup is called with the new kernel before the first command (to
	// install tracers); Trace before each command with its index (and with
	// -1 before a thread or process line makes its task); Done after the
	// last one, before shutdown.
	Setup func(k *sim.Kernel)
	Trace func(cmd int)
	Done  func()
	// Strategy chooses the schedule of a concurrent file (nil: the
	// default schedule, each task running until it blocks or ends).
	Strategy sched.Strategy
}

// Personality returns the personality f runs under: its personality line,
// with the bugs of its bug lines and then those named in extra put back.
// An unknown bug, or one the personality's backend never had, is an error
// at its bug line (FILE:LINE:COL), or naming the flag for extra.
func Personality(f *scenario.File, extra []string) (*personality.P, error) {
	p, err := personality.Lookup(f.Personality)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.Name, err)
	}
	for _, l := range f.Bugs() {
		if p, err = p.WithBug(l.Bug); err != nil {
			return nil, fmt.Errorf("%s:%d:%d: %w", f.Name, l.Num, l.BugCol, err)
		}
	}
	for _, b := range extra {
		if p, err = p.WithBug(b); err != nil {
			return nil, fmt.Errorf("--bug %s: %w", b, err)
		}
	}
	return p, nil
}

// Run runs f in a fresh simulated kernel with f's personality, as uid 0
// in "/", then shuts the kernel down and reports what its checkers found.
// A file with threads or processes runs under the deterministic scheduler
// (opt.Strategy); if it deadlocks, the kernel is not shut down (its tasks
// are stuck where they were) and the problems are lockdep's reports and
// the deadlock's.
func Run(f *scenario.File, opt Options) (*Result, error) {
	p, err := Personality(f, opt.Bugs)
	if err != nil {
		return nil, err
	}
	kopts := append([]sim.Option{sim.WithPersonality(p)}, opt.Kernel...)
	var s *sched.Scheduler
	if f.Concurrent() {
		s = sched.New(opt.Strategy)
		kopts = append(kopts, sim.WithScheduler(s))
	}
	k := sim.NewKernel(kopts...)
	if opt.Setup != nil {
		opt.Setup(k)
	}
	t := k.NewTask(0, 0)
	tm := &threadMachine{simMachine: simMachine{k: k, t: t}, tasks: map[string]*sim.Task{scenario.MainTask: t}}
	if opt.Trace != nil {
		tm.onTask = func() { opt.Trace(-1) } // a thread's creation is no command's
	}
	res := &Result{}
	res.Outcomes = scenario.RunWith(f, tm, scenario.RunOptions{WatchInfo: opt.WatchInfo, Before: func(l scenario.Line) {
		if opt.Trace != nil {
			opt.Trace(l.Cmd.Index)
		}
		// lockdep reports name the scenario line.
		task := t
		if l.Cmd.Thread != "" {
			task = tm.tasks[l.Cmd.Thread]
		}
		task.SetSite(fmt.Sprintf("%s:%d", f.Name, l.Num))
	}})
	if opt.Done != nil {
		opt.Done()
	}
	if s != nil {
		res.Schedule, res.Decisions, res.Deadlock = s.Token(), s.Decisions(), tm.deadlock
	}
	if tm.deadlock != nil {
		var reports []string
		for _, r := range k.Validator().Reports() {
			reports = append(reports, r.String())
		}
		reports = append(reports, tm.deadlock.String())
		res.Problems, res.Expected, res.Unmet = sortReports(reports, f.Expects(), f.Concurrent())
		return res, nil
	}
	res.Problems, res.Expected, res.Unmet = sortReports(k.Shutdown(), f.Expects(), f.Concurrent())
	res.Oopses = k.Oopses()
	return res, nil
}

// threadMachine is the simulator as a scenario.ThreadMachine: the main
// task's machine, and the tasks a file's thread and process lines made.
type threadMachine struct {
	simMachine
	tasks    map[string]*sim.Task
	deadlock *sched.Deadlock
	onTask   func() // called before a task is made
}

var _ scenario.ThreadMachine = (*threadMachine)(nil)

// NewTask makes a thread of the main task or a new process.
func (m *threadMachine) NewTask(name string, process bool, uid, gid uint32) error {
	if m.onTask != nil {
		m.onTask()
	}
	if process {
		m.tasks[name] = m.k.NewTask(uid, gid)
	} else {
		m.tasks[name] = m.t.NewThread()
	}
	return nil
}

// Concurrently runs each body as its task under the kernel's scheduler.
func (m *threadMachine) Concurrently(names []string, bodies []func(scenario.Machine)) error {
	tasks := make([]*sim.Task, len(names))
	fns := make([]func(), len(names))
	for i, name := range names {
		task := m.tasks[name]
		tasks[i] = task
		body := bodies[i]
		fns[i] = func() { body(&simMachine{k: m.k, t: task}) }
	}
	if d := m.k.Concurrently(tasks, fns); d != nil {
		m.deadlock = d
		return errors.New("deadlock")
	}
	return nil
}

// sortReports splits the checkers' reports into those no expect line
// matches (problems) and those one does (expected); an expect line that
// matches no report is unmet, and a problem too unless concurrent says
// that another schedule may meet it.
func sortReports(reports, expects []string, concurrent bool) (problems, expected, unmet []string) {
	met := make([]bool, len(expects))
	for _, r := range reports {
		first, _, _ := strings.Cut(r, "\n")
		hit := false
		for i, e := range expects {
			if strings.Contains(first, e) {
				met[i], hit = true, true
			}
		}
		if hit {
			expected = append(expected, r)
		} else {
			problems = append(problems, r)
		}
	}
	for i, e := range expects {
		if !met[i] {
			unmet = append(unmet, e)
			if !concurrent {
				problems = append(problems, unmetExpect(e))
			}
		}
	}
	return problems, expected, unmet
}

func unmetExpect(e string) string {
	return fmt.Sprintf("expected a report containing %q; none was made", e)
}

// NewMachine returns a scenario.Machine that makes t's system calls in k:
// the adapter Run uses, for drivers that keep their own kernel.
func NewMachine(k *sim.Kernel, t *sim.Task) scenario.Machine { return &simMachine{k: k, t: t} }

// CheckResult is the result of Check.
type CheckResult struct {
	Transcript string   // what `inosim run` prints for the file
	Diff       string   // unified diff from the file to Transcript; "" when they are Equal
	Problems   []string // what the simulator's checkers found (lockdep, refcounts, leaks)
	// Outcomes lists, for a concurrent file with outcome lines, how the
	// outcomes of its schedules differ from them (CheckOutcomes); empty
	// when they agree.
	Outcomes []string
}

// CheckPreemptions is the preemption bound of the search with which check
// compares a concurrent file's outcomes with its outcome lines.
const CheckPreemptions = 2

// CheckOutcomes explores every schedule of f with at most
// CheckPreemptions preemptions and compares the outcomes with f's outcome
// lines: each line must be an outcome some schedule gives, each outcome a
// line; each difference, and each report a schedule made, is one entry.
// bugs are put back besides the file's (Options.Bugs).
func CheckOutcomes(f *scenario.File, bugs []string) ([]string, error) {
	ex, err := Explore(f, ExploreOptions{Strategy: "dfs", Preemptions: CheckPreemptions, Runs: 1 << 20, Bugs: bugs})
	if err != nil {
		return nil, err
	}
	var out []string
	found := map[string]bool{}
	for _, o := range ex.Outcomes {
		found[o.Signature] = true
		if !o.Allowed {
			out = append(out, fmt.Sprintf("outcome %s is not in the file (%d of %d schedules; --schedule %s)",
				scenario.Quote(o.Signature), o.Count, ex.Schedules, o.Token))
		}
	}
	for _, want := range f.Outcomes() {
		if !found[want] {
			out = append(out, fmt.Sprintf("outcome %s: no schedule with at most %d preemptions gives it",
				scenario.Quote(want), CheckPreemptions))
		}
	}
	for _, r := range ex.Reports {
		first, _, _ := strings.Cut(strings.TrimPrefix(r.Text, strings.Repeat("=", 54)+"\n"), "\n")
		out = append(out, fmt.Sprintf("a schedule made a report (--schedule %s): %s", r.Token, first))
	}
	return out, nil
}

// Check is `inosim check` for one file: parse src, run it in a fresh
// simulated kernel and compare the transcript with src.
func Check(name string, src []byte) (*CheckResult, error) { return CheckBugs(name, src, nil) }

// CheckBugs is Check with the historical bugs named in bugs put back
// (inosim check --bug; the mutation campaign).
func CheckBugs(name string, src []byte, bugs []string) (*CheckResult, error) {
	f, err := scenario.Parse(name, src)
	if err != nil {
		return nil, err
	}
	res, err := Run(f, Options{Bugs: bugs})
	if err != nil {
		return nil, err
	}
	c := &CheckResult{Transcript: scenario.Print(f, res.Outcomes), Problems: res.Problems}
	if !scenario.Equal(string(src), c.Transcript) {
		c.Diff = scenario.Diff(name, string(src), name+" (simulator)", c.Transcript)
	}
	if f.Concurrent() && len(f.Outcomes()) > 0 {
		if c.Outcomes, err = CheckOutcomes(f, bugs); err != nil {
			return nil, err
		}
	}
	return c, nil
}
