package scenario

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/inosim/inosim/uapi"
)

// Pos is a place in a scenario file: 1-based line and 1-based byte column.
type Pos struct {
	Line, Col int
}

func (p Pos) String() string { return fmt.Sprintf("%d:%d", p.Line, p.Col) }

// File is a parsed scenario. Lines holds every line of the source, in order,
// so that a transcript can keep comments, blank lines and headers where they
// were; Commands holds the commands alone, in order (Commands[i].Index == i).
type File struct {
	Name string
	// Personality is the kernel the scenario asks for, one of
	// uapi.Personalities; uapi.PersonalityLinux when the file has no
	// personality line.
	Personality string
	Lines       []Line
	Commands    []*Command
}

// LineKind says what a Line is.
type LineKind int

const (
	BlankLine       LineKind = iota // empty or white space only
	CommentLine                     // '#' is the first non-blank character, at any indentation
	PersonalityLine                 // personality NAME
	SysctlLine                      // sysctl KEY=VALUE
	CommandLine                     // a command; Line.Cmd is it
	ResultLine                      // an indented result line; Line.Cmd is the command above
	ExpectLine                      // expect TEXT: a checker report the scenario expects
	TaskLine                        // thread NAME, or process NAME [UID[:GID]]
	OutcomeLine                     // outcome TEXT: an allowed outcome of a concurrent scenario
	BugLine                         // bug NAME: a historical bug put back
)

var lineKindNames = [...]string{"blank", "comment", "personality", "sysctl", "command", "result", "expect", "task", "outcome", "bug"}

func (k LineKind) String() string {
	if int(k) < len(lineKindNames) {
		return lineKindNames[k]
	}
	return "LineKind(" + strconv.Itoa(int(k)) + ")"
}

// Line is one source line.
type Line struct {
	Num  int    // 1-based line number
	Text string // as written, without the line ending
	Kind LineKind

	// Personality is the NAME of a PersonalityLine.
	Personality string
	// Key and Value are a SysctlLine's setting: Key is one of the Sysctl*
	// constants, Value is non-negative and fits an int32.
	Key   string
	Value int64

	// Cmd is the command of a CommandLine, or, for a ResultLine, the
	// command the result belongs to.
	Cmd *Command

	// Expect is an ExpectLine's TEXT: the simulator's checkers (lockdep,
	// refcounts, leaks at shutdown, oopses) must make a report containing
	// it, and a report that contains it is no failure. It states a
	// seed's own bug (a leak the seed has, say); a real kernel has no such
	// checkers, so the kernel runner ignores it.
	Expect string

	// Task is a TaskLine's NAME: a thread of the main task's process
	// (Process false: it shares the fd table and cwd) or a new process
	// running as UID:GID (Process true).
	Task     string
	Process  bool
	UID, GID uint32

	// Outcome is an OutcomeLine's TEXT: one outcome signature (Signature)
	// the scenario allows; with any, every schedule must give one of them.
	Outcome string

	// Bug is a BugLine's NAME, a historical bug the simulator puts back
	// (its names are package personality's; the runner checks them) at
	// column BugCol.
	Bug    string
	BugCol int
}

// Bugs returns the bug lines of f, in order.
func (f *File) Bugs() []Line {
	var out []Line
	for _, l := range f.Lines {
		if l.Kind == BugLine {
			out = append(out, l)
		}
	}
	return out
}

// MainTask is the name of the task that runs the commands written without
// a task prefix.
const MainTask = "main"

// Concurrent reports whether f names threads or processes: such a file
// runs under the simulator's scheduler, and the kernel runner refuses it.
func (f *File) Concurrent() bool {
	for _, l := range f.Lines {
		if l.Kind == TaskLine {
			return true
		}
	}
	return false
}

// Outcomes returns the TEXT of every outcome line, in order.
func (f *File) Outcomes() []string {
	var out []string
	for _, l := range f.Lines {
		if l.Kind == OutcomeLine {
			out = append(out, l.Outcome)
		}
	}
	return out
}

// Expects returns the TEXT of every expect line, in order.
func (f *File) Expects() []string {
	var out []string
	for _, l := range f.Lines {
		if l.Kind == ExpectLine {
			out = append(out, l.Expect)
		}
	}
	return out
}

// Ops: the command names, the values of Command.Op.
const (
	OpMkdir           = "mkdir"
	OpRmdir           = "rmdir"
	OpOpen            = "open"
	OpCreat           = "creat"
	OpWrite           = "write"
	OpRead            = "read"
	OpLseek           = "lseek"
	OpClose           = "close"
	OpCd              = "cd"
	OpTruncate        = "truncate"
	OpFtruncate       = "ftruncate"
	OpChmod           = "chmod"
	OpFchmod          = "fchmod"
	OpChown           = "chown"
	OpUtimes          = "utimes"
	OpLink            = "link"
	OpSymlink         = "symlink"
	OpMkfifo          = "mkfifo"
	OpUnlink          = "unlink"
	OpRename          = "rename"
	OpReaddir         = "readdir"
	OpMount           = "mount"
	OpUmount          = "umount"
	OpAs              = "as"
	OpInotifyInit     = "inotify_init"
	OpInotifyAddWatch = "inotify_add_watch"
	OpInotifyRmWatch  = "inotify_rm_watch"
	OpFionread        = "fionread"
	OpSetnextwd       = "setnextwd"
	OpTick            = "tick"
	// The ioctls libc's inotify_add_watch is made of on illumos.
	OpIocAddWatch = "inotifyioc_add_watch"
	OpIocAddChild = "inotifyioc_add_child"
	OpIocActivate = "inotifyioc_activate"
)

// Times selects the timestamps utimes sets.
type Times int

const (
	TimeAtime Times = 1 << iota // atime → IN_ACCESS
	TimeMtime                   // mtime → IN_MODIFY
	TimeBoth  = TimeAtime | TimeMtime
)

// Ref is an fd or wd operand: a bound name, or a literal integer when Name
// is "". What a name stands for is the interpreter's business (the fd or wd
// of its latest binding, or -1 when that binding failed or the fd was
// closed).
type Ref struct {
	Name string
	Num  int32
}

// String gives the operand as written.
func (r Ref) String() string {
	if r.Name != "" {
		return r.Name
	}
	return strconv.Itoa(int(r.Num))
}

// Result is an expectation written "=> RESULT": ok (Errno "" and !HasValue),
// an errno name, OOPS (Errno "OOPS": the simulated kernel oopsed, see
// ErrOops), or a number (fionread only).
type Result struct {
	Pos      Pos
	Errno    string
	Value    int64
	HasValue bool
}

// EventLine is an expected event, a result line under read:
// "WD MASK [cookie=LABEL] [NAME]".
type EventLine struct {
	Pos    Pos
	Wd     Ref       // a wd name bound earlier in the file, or a number (-1 for an overflow)
	Mask   uapi.Mask // as written; IN_CLOSE etc. already expanded
	Cookie string    // LABEL without "cookie=", "" when the event has no cookie
	Name   string    // "" when the event has no name
}

// Command is one call. The interpreter switches on Op; which of the typed
// operand fields an op uses:
//
//	mkdir PATH [MODE]               Path, Mode (default 0755)
//	rmdir PATH                      Path
//	F = open PATH FLAGS [MODE]      Path, Flags (O_*), Mode (default 0644)
//	creat PATH [MODE]               Path, Mode (default 0644)
//	write F DATA                    FD, Data
//	read F N | read I [BUFSIZE]     FD, N and HasN (N ≥ 0); Events
//	lseek F OFFSET                  FD, N (SEEK_SET offset, may be negative)
//	close F                         FD
//	cd PATH                         Path
//	truncate PATH LEN               Path, N (may be negative)
//	ftruncate F LEN                 FD, N (may be negative)
//	chmod PATH MODE                 Path, Mode
//	fchmod F MODE                   FD, Mode
//	chown PATH UID:GID              Path, UID, GID (-1 reads as 0xffffffff, "unchanged")
//	utimes PATH [both|atime|mtime]  Path, Times (default TimeBoth)
//	link OLD NEW                    Path (OLD), NewPath (NEW)
//	symlink TARGET PATH             Target, Path
//	mkfifo PATH [MODE]              Path, Mode (default 0644)
//	unlink PATH                     Path
//	rename OLD NEW [noreplace|exchange]  Path, NewPath, Flags (RENAME_*)
//	readdir PATH                    Path
//	mount tmpfs PATH                FSType ("tmpfs"), Path
//	umount [-l] PATH                Path, Flags (MNT_DETACH with -l)
//	as UID[:GID]                    UID, GID (GID defaults to UID)
//	I = inotify_init [FLAGS]        Flags (IN_NONBLOCK|IN_CLOEXEC or a number)
//	W = inotify_add_watch I PATH MASK  FD, Path, Mask
//	inotify_rm_watch I W            FD, WD
//	fionread I => N                 FD
//	setnextwd I N                   FD, N
//	tick [N]                        N (default 1, ≥ 1)
//	W = inotifyioc_add_watch I F MASK  FD, File, Mask
//	inotifyioc_add_child I F NAME   FD, File, Path (the NAME)
//	inotifyioc_activate I W         FD, WD
//
// Modes are octal as written ("644" is 0644), kept whole: masking to 07777
// is the kernel's job.
type Command struct {
	Index int // position in File.Commands
	Pos   Pos // the first token of the line (the task prefix, if any)
	// Thread is the task that makes the call: the NAME of a "NAME:"
	// prefix, "" for the main task. Consecutive prefixed commands form
	// one concurrent block.
	Thread string
	Bind   string // NAME of "NAME = ...", or ""
	Op     string // one of the Op* constants
	// Args are the operand values as written (unquoted), for messages.
	Args []string

	Path    string
	NewPath string
	Target  string
	FSType  string
	Data    string
	FD      Ref
	WD      Ref
	File    Ref // the open file an inotifyioc_ command names (inaw_fd, inac_fd)
	Mode    uint32
	Flags   uint32
	Mask    uapi.Mask
	N       int64
	HasN    bool
	UID     uint32
	GID     uint32
	Times   Times

	// Expect is the "=> RESULT" of the file, nil when none was written (the
	// command is expected to succeed).
	Expect *Result
	// Events are the expected events: the result lines under a read.
	Events []EventLine
	// Comment is the command line's trailing comment ("# ..."), and Gap
	// the white space written before it.
	Comment, Gap string

	toks   []token // Bind, "=", Op and operands
	src    string  // the command as written, without result and comment
	srcEnd int     // byte offset of "=>" in the line, 0 when none
}

// Source is the command as written in the file, without its result and
// comment: what a transcript prints, since only results are written anew.
// A command not read from a file gives String().
func (c *Command) Source() string {
	if c.src != "" {
		return c.src
	}
	return c.String()
}

// String gives the command canonically, without its result or comment.
func (c *Command) String() string {
	var b strings.Builder
	if c.Thread != "" {
		b.WriteString(c.Thread + ": ")
	}
	for i, t := range c.toks {
		if i > 0 {
			b.WriteByte(' ')
		}
		if i == 1 && c.Bind != "" {
			b.WriteByte('=')
			continue
		}
		b.WriteString(Quote(t.text))
	}
	return b.String()
}
