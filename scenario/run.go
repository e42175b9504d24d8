package scenario

import (
	"errors"
	"slices"
	"syscall"

	"github.com/inosim/inosim/uapi"
)

// drainBuf is the buffer of each read(2) when `read I` drains a queue.
const drainBuf = 64 << 10

// Run executes f on m, header sysctl lines at their place among the
// commands, and returns the outcome of each command (outs[i] for
// f.Commands[i]). It owns the language's bookkeeping, so the simulator and
// the host kernel differ only in the Machine:
//
//   - NAME = … binds the fd or wd a command returns; a failed binding, or
//     closing the fd, makes the name stand for -1 (which gives the kernel's
//     errno for -1, usually EBADF).
//   - wd names are per instance: the most recent binding of a wd on the
//     instance an event was read from names it in the transcript.
//   - `read F N` on a file fd is read(2); `read I` drains an inotify fd with
//     repeated non-blocking reads; `read I N` is one read of N bytes.
//   - `creat` is open(O_CREAT|O_WRONLY|O_TRUNC) then close.
func Run(f *File, m Machine) []Outcome { return RunWith(f, m, RunOptions{}) }

// RunOptions tune RunWith.
type RunOptions struct {
	// WatchInfo fills Event.WatchPath and WatchIsDir, asking the machine
	// (if it implements DirChecker) whether each watched path is a
	// directory right after the watch is added.
	WatchInfo bool
	// Before is called before each command.
	Before func(l Line)
}

// DirChecker is implemented by machines that can tell whether a path is a
// directory without generating events (a stat).
type DirChecker interface {
	IsDir(path string, follow bool) bool
}

// ThreadMachine is a Machine that can run tasks concurrently (the
// simulator under its scheduler): a scenario with thread or process lines
// needs one.
type ThreadMachine interface {
	Machine
	// NewTask makes a task called name: a thread of the main task's
	// process (clone with CLONE_FILES|CLONE_FS: it shares the fd table and
	// cwd), or with process a new process running as uid:gid with an fd
	// table of its own and its cwd at "/".
	NewTask(name string, process bool, uid, gid uint32) error
	// Concurrently runs bodies[i] as task names[i] (MainTask for the main
	// task), each given the Machine whose calls that task makes, and
	// returns when all have returned. A non-nil error means the run
	// stopped with some bodies unfinished (a deadlock): the machine is then
	// unusable.
	Concurrently(names []string, bodies []func(Machine)) error
}

// RunWith is Run with options. In a file with concurrent blocks,
// consecutive commands with a task prefix form a block: each task makes
// its commands in order, the tasks at once (m must be a ThreadMachine).
// If a block stops in a deadlock, its unfinished commands show
// "=> DEADLOCK" and no later command runs (their Outcome is NotRun).
func RunWith(f *File, m Machine, opt RunOptions) []Outcome {
	before := opt.Before
	in := &interp{
		watchInfo: opt.WatchInfo,
		watches:   map[wdKey]watchInfo{},
		m:         m,
		names:     map[string]binding{},
		inotify:   map[fdKey]int{},
		wdNames:   map[int]map[int32][]string{},
		nameOfWd:  map[string]wdKey{},
		procOf:    map[string]string{MainTask: MainTask},
	}
	// outs[k] is the outcome of the k-th command line, in file order.
	outs := make([]Outcome, 0, len(f.Commands))
	tm, _ := m.(ThreadMachine)
	stopped := false
	for i := 0; i < len(f.Lines); i++ {
		l := f.Lines[i]
		if stopped {
			if l.Kind == CommandLine {
				outs = append(outs, Outcome{NotRun: true})
			}
			continue
		}
		switch l.Kind {
		case SysctlLine:
			// Validated by the parser; a machine that cannot apply it
			// reports that through its own channel (host: Run's error).
			_ = m.Sysctl(l.Key, l.Value)
		case TaskLine:
			if tm == nil {
				stopped = true
				continue
			}
			if err := tm.NewTask(l.Task, l.Process, l.UID, l.GID); err != nil {
				stopped = true
			}
			if l.Process {
				in.procOf[l.Task] = l.Task
			} else {
				in.procOf[l.Task] = MainTask
			}
		case CommandLine:
			if l.Cmd.Thread == "" {
				if before != nil {
					before(l)
				}
				outs = append(outs, in.exec(m, MainTask, l.Cmd))
				continue
			}
			var block []Line
			for ; i < len(f.Lines); i++ {
				bl := f.Lines[i]
				if bl.Kind == CommandLine && bl.Cmd.Thread == "" || bl.Kind == SysctlLine || bl.Kind == TaskLine {
					break
				}
				if bl.Kind == CommandLine {
					block = append(block, bl)
				}
			}
			i--
			first := len(outs)
			for range block {
				outs = append(outs, Outcome{NotRun: true})
			}
			if tm == nil {
				stopped = true
				continue
			}
			stopped = in.block(tm, block, outs[first:], before)
		}
	}
	return outs
}

// block runs one concurrent block, the outcome of block[k] going to
// outs[k]; it reports whether it stopped in a deadlock.
func (in *interp) block(tm ThreadMachine, block []Line, outs []Outcome, before func(Line)) bool {
	var names []string
	per := map[string][]int{}
	for k, l := range block {
		t := l.Cmd.Thread
		if per[t] == nil {
			names = append(names, t)
		}
		per[t] = append(per[t], k)
	}
	started := make([]bool, len(block))
	done := make([]bool, len(block))
	bodies := make([]func(Machine), len(names))
	for i, name := range names {
		ks := per[name]
		proc := in.procOf[name]
		bodies[i] = func(m Machine) {
			for _, k := range ks {
				if before != nil {
					before(block[k])
				}
				started[k] = true
				outs[k] = in.exec(m, proc, block[k].Cmd)
				done[k] = true
			}
		}
	}
	if err := tm.Concurrently(names, bodies); err == nil {
		return false
	}
	for k := range block {
		switch {
		case done[k]:
		case started[k]:
			outs[k] = Outcome{Err: Deadlock}
		default:
			outs[k] = Outcome{NotRun: true}
		}
	}
	return true
}

type binding struct {
	val  int
	isFd bool
	proc string // the process whose fd table an fd is in
}

// fdKey is an fd of one process's table.
type fdKey struct {
	proc string
	fd   int
}

type wdKey struct {
	inst int
	wd   int32
}

type watchInfo struct {
	path  string
	isDir bool
	mask  uapi.Mask
}

type interp struct {
	watchInfo bool
	watches   map[wdKey]watchInfo
	m         Machine
	names     map[string]binding
	inotify   map[fdKey]int     // fd → instance id, for open inotify fds
	procOf    map[string]string // task name → its process's name
	nextInst  int
	// wdNames lists, per instance and wd, the names bound to that wd now,
	// oldest first: an event prints the last (the contract's "of the names
	// bound to that wd of that instance now, the one bound most recently").
	wdNames  map[int]map[int32][]string
	nameOfWd map[string]wdKey
}

func (in *interp) ref(r Ref) int {
	if r.Name == "" {
		return int(r.Num)
	}
	if b, ok := in.names[r.Name]; ok {
		return b.val
	}
	return -1
}

// bind records NAME = val (val -1 when the call failed) and forgets what
// the name meant before.
func (in *interp) bind(name string, val int, isFd bool, proc string) {
	if name == "" {
		return
	}
	if k, ok := in.nameOfWd[name]; ok {
		names := in.wdNames[k.inst][k.wd]
		if i := slices.Index(names, name); i >= 0 {
			in.wdNames[k.inst][k.wd] = slices.Delete(names, i, i+1)
		}
		delete(in.nameOfWd, name)
	}
	in.names[name] = binding{val: val, isFd: isFd, proc: proc}
}

// Oops is the result a transcript shows for a call that oopsed the
// kernel ("=> OOPS").
const Oops = "OOPS"

// Deadlock is the result a transcript shows for a call that never
// returned because every task of its concurrent block was blocked ("=>
// DEADLOCK").
const Deadlock = "DEADLOCK"

// ErrOops is what a Machine returns for a call that made the kernel oops
// instead of returning (a simulated historical kernel's bug, such as seed
// 000's add_watch on a file that is no inotify instance): the transcript
// shows "=> OOPS", and the machine reports the oops text its own way.
var ErrOops = errors.New("kernel oops")

func errOutcome(err error) Outcome {
	if err == nil {
		return Outcome{}
	}
	if errors.Is(err, ErrOops) {
		return Outcome{Err: Oops}
	}
	var e syscall.Errno
	if errors.As(err, &e) {
		return Outcome{Err: uapi.ErrnoName(int(e))}
	}
	return Outcome{Err: "EIO"}
}

// exec makes command c as a task of process proc, through m.
func (in *interp) exec(m Machine, proc string, c *Command) Outcome {
	switch c.Op {
	case OpMkdir:
		return errOutcome(m.Mkdir(c.Path, c.Mode))
	case OpRmdir:
		return errOutcome(m.Rmdir(c.Path))
	case OpOpen:
		fd, err := m.Open(c.Path, int(c.Flags), c.Mode)
		if err != nil {
			fd = -1
		}
		in.bind(c.Bind, fd, true, proc)
		return errOutcome(err)
	case OpCreat:
		fd, err := m.Open(c.Path, uapi.O_CREAT|uapi.O_WRONLY|uapi.O_TRUNC, c.Mode)
		if err == nil {
			err = m.Close(fd)
		}
		return errOutcome(err)
	case OpWrite:
		_, err := m.Write(in.ref(c.FD), []byte(c.Data))
		return errOutcome(err)
	case OpRead:
		return in.read(m, proc, c)
	case OpLseek:
		_, err := m.Lseek(in.ref(c.FD), c.N)
		return errOutcome(err)
	case OpClose:
		fd := in.ref(c.FD)
		err := m.Close(fd)
		if err == nil {
			delete(in.inotify, fdKey{proc, fd})
			for name, b := range in.names {
				if b.isFd && b.val == fd && b.proc == proc {
					in.names[name] = binding{val: -1, isFd: true, proc: proc}
				}
			}
		}
		return errOutcome(err)
	case OpCd:
		return errOutcome(m.Chdir(c.Path))
	case OpTruncate:
		return errOutcome(m.Truncate(c.Path, c.N))
	case OpFtruncate:
		return errOutcome(m.Ftruncate(in.ref(c.FD), c.N))
	case OpChmod:
		return errOutcome(m.Chmod(c.Path, c.Mode))
	case OpFchmod:
		return errOutcome(m.Fchmod(in.ref(c.FD), c.Mode))
	case OpChown:
		return errOutcome(m.Chown(c.Path, c.UID, c.GID))
	case OpUtimes:
		return errOutcome(m.Utimes(c.Path, c.Times&TimeAtime != 0, c.Times&TimeMtime != 0))
	case OpLink:
		return errOutcome(m.Link(c.Path, c.NewPath))
	case OpSymlink:
		return errOutcome(m.Symlink(c.Target, c.Path))
	case OpMkfifo:
		return errOutcome(m.Mkfifo(c.Path, c.Mode))
	case OpUnlink:
		return errOutcome(m.Unlink(c.Path))
	case OpRename:
		return errOutcome(m.Rename(c.Path, c.NewPath, int(c.Flags)))
	case OpReaddir:
		return errOutcome(m.Readdir(c.Path))
	case OpMount:
		return errOutcome(m.Mount(c.FSType, c.Path))
	case OpUmount:
		return errOutcome(m.Umount(c.Path, int(c.Flags)))
	case OpAs:
		return errOutcome(m.SetCred(c.UID, c.GID))
	case OpInotifyInit:
		fd, err := m.InotifyInit1(int(c.Flags))
		if err != nil {
			fd = -1
		} else {
			in.nextInst++
			in.inotify[fdKey{proc, fd}] = in.nextInst
			in.wdNames[in.nextInst] = map[int32][]string{}
		}
		in.bind(c.Bind, fd, true, proc)
		return errOutcome(err)
	case OpInotifyAddWatch, OpIocAddWatch:
		fd := in.ref(c.FD)
		var wd int
		var err error
		if c.Op == OpIocAddWatch {
			wd, err = m.IocAddWatch(fd, in.ref(c.File), uint32(c.Mask))
		} else {
			wd, err = m.InotifyAddWatch(fd, c.Path, uint32(c.Mask))
		}
		if err != nil {
			wd = -1
		}
		in.bind(c.Bind, wd, false, proc)
		if inst, ok := in.inotify[fdKey{proc, fd}]; ok && err == nil {
			if c.Bind != "" {
				in.wdNames[inst][int32(wd)] = append(in.wdNames[inst][int32(wd)], c.Bind)
				in.nameOfWd[c.Bind] = wdKey{inst, int32(wd)}
			}
			if in.watchInfo && c.Op == OpInotifyAddWatch {
				wi := watchInfo{path: c.Path, mask: c.Mask}
				if old, ok := in.watches[wdKey{inst, int32(wd)}]; ok && c.Mask&uapi.IN_MASK_ADD != 0 {
					wi.mask |= old.mask
				}
				if dc, ok := m.(DirChecker); ok {
					wi.isDir = dc.IsDir(c.Path, c.Mask&uapi.IN_DONT_FOLLOW == 0)
				}
				in.watches[wdKey{inst, int32(wd)}] = wi
			}
		}
		return errOutcome(err)
	case OpInotifyRmWatch:
		return errOutcome(m.InotifyRmWatch(in.ref(c.FD), in.ref(c.WD)))
	case OpFionread:
		n, err := m.Fionread(in.ref(c.FD))
		if err != nil {
			return errOutcome(err)
		}
		return Outcome{Value: int64(n), HasValue: true}
	case OpSetnextwd:
		return errOutcome(m.SetNextWd(in.ref(c.FD), c.N))
	case OpTick:
		return errOutcome(m.Tick(int(c.N)))
	case OpIocAddChild:
		return errOutcome(m.IocAddChild(in.ref(c.FD), in.ref(c.File), c.Path))
	case OpIocActivate:
		return errOutcome(m.IocActivate(in.ref(c.FD), in.ref(c.WD)))
	}
	return Outcome{Err: "ENOSYS"}
}

// read runs `read F N` (a file read) or `read I [BUFSIZE]` (events).
func (in *interp) read(m Machine, proc string, c *Command) Outcome {
	fd := in.ref(c.FD)
	inst, isInotify := in.inotify[fdKey{proc, fd}]
	if c.HasN && !isInotify {
		_, err := m.Read(fd, int(c.N))
		return errOutcome(err)
	}
	var out Outcome
	for {
		n := drainBuf
		if c.HasN {
			n = int(c.N)
		}
		b, err := m.InotifyRead(fd, n)
		if err != nil {
			if len(out.Events) == 0 {
				out.Err = errOutcome(err).Err
			}
			return out
		}
		evs, derr := uapi.Decode(b)
		for _, e := range evs {
			ev := Event{Event: e}
			if names := in.wdNames[inst][e.Wd]; len(names) > 0 {
				ev.WdName = names[len(names)-1]
			}
			if wi, ok := in.watches[wdKey{inst, e.Wd}]; ok {
				ev.WatchPath, ev.WatchIsDir, ev.WatchMask = wi.path, wi.isDir, wi.mask
			}
			out.Events = append(out.Events, ev)
		}
		if derr != nil {
			out.Err = "EIO"
			return out
		}
		if c.HasN || len(b) == 0 {
			return out
		}
	}
}
