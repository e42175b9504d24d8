package proptest

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"syscall"

	"pgregory.net/rapid"

	"github.com/inosim/inosim/proptest/model"
	"github.com/inosim/inosim/scenario"
	"github.com/inosim/inosim/uapi"
)

func errOutcomeName(err error) string {
	var e syscall.Errno
	if errors.As(err, &e) {
		return uapi.ErrnoName(int(e))
	}
	return "EIO"
}

// The generator's universe: a few paths so that operations hit each other.
// Lists are ordered simplest first, since rapid shrinks a SampledFrom draw
// towards its first element.
var (
	// namePaths are what namespace operations (mkdir, unlink, rename, ...)
	// name.
	namePaths = []string{"/a", "/a/f", "/a/b", "/c", "/f", "/a/g", "/a/b/f", "/c/f",
		"/m", "/m/f", "/m/d", "/m/d/f", "/s", "f", "b"}
	// usePaths also has "/" (open, watch, chdir, chmod, ...).
	usePaths     = append([]string{"/"}, namePaths...)
	mountPaths   = []string{"/m", "/m/d", "/a"}
	symlinkDests = []string{"/a", "/a/f", "f", "/nowhere", "s", "/m"}

	instNames = []string{"i1", "i2"}
	fileNames = []string{"f1", "f2", "f3"}
	wdNames   = []string{"w1", "w2", "w3", "w4"}
	allNames  = append(append(append([]string(nil), instNames...), fileNames...), wdNames...)

	dirModes  = []string{"755", "700", "1777", "0", "311", "777"}
	fileModes = []string{"644", "600", "0", "666", "200", "755"}
	openFlags = []string{"O_RDONLY", "O_WRONLY", "O_RDWR", "O_WRONLY|O_CREAT", "O_RDWR|O_CREAT",
		"O_RDONLY|O_DIRECTORY", "O_RDWR|O_CREAT|O_EXCL", "O_WRONLY|O_CREAT|O_TRUNC", "O_WRONLY|O_APPEND",
		"O_RDONLY|O_NOFOLLOW", "O_RDONLY|O_TRUNC", "O_RDWR|O_CREAT|O_APPEND", "O_WRONLY|O_TRUNC"}
	watchEvents = []string{"IN_ALL_EVENTS", "IN_CREATE|IN_DELETE", "IN_MODIFY", "IN_ATTRIB",
		"IN_MOVE|IN_MOVE_SELF", "IN_OPEN|IN_CLOSE", "IN_DELETE_SELF", "IN_ACCESS|IN_MODIFY",
		"IN_ATTRIB|IN_MODIFY", "IN_CREATE"}
	watchFlags = []string{"", "IN_ONESHOT", "IN_MASK_ADD", "IN_EXCL_UNLINK", "IN_MASK_CREATE",
		"IN_ONLYDIR", "IN_DONT_FOLLOW", "IN_MASK_ADD|IN_MASK_CREATE"}
	oddMasks   = []string{"IN_DONT_FOLLOW", "0", "0x1000", "IN_ISDIR", "IN_IGNORED"}
	readSizes  = []string{"", "", "", "16", "32", "0", "15", "31", "48", "100"}
	queueSizes = []string{"2", "1", "3", "0", "4", "16384"}
)

// gen is the state a generator needs: the names bound so far (operands use
// only bound names, so every prefix is a valid scenario) and a model of the
// machine to steer away from calls that would block (opening a fifo).
type gen struct {
	m       *model.Model
	bound   map[string]bool
	nonRoot bool // the last "as" was not root
}

func newGen(m *model.Model) *gen { return &gen{m: m, bound: map[string]bool{}} }

func (g *gen) boundOf(names []string) []string {
	var out []string
	for _, n := range names {
		if g.bound[n] {
			out = append(out, n)
		}
	}
	return out
}

// ref draws a bound name of the given kind; "" when none is bound.
func (g *gen) ref(t *rapid.T, names []string, label string) string {
	b := g.boundOf(names)
	if len(b) == 0 {
		return ""
	}
	return rapid.SampledFrom(b).Draw(t, label)
}

func draw(t *rapid.T, xs []string, label string) string {
	return rapid.SampledFrom(xs).Draw(t, label)
}

func bind(t *rapid.T, names []string, label string) string {
	return draw(t, names, label) + " = "
}

// action generates one scenario line for a command; "" when the command
// does not apply now (no operand bound, or it would block).
type action func(t *rapid.T, g *gen) string

// actions maps every scenario command (and the sysctl header) to its
// generator. Keep the keys sorted when drawing from them.
var actions = map[string]action{
	"mkdir": func(t *rapid.T, g *gen) string {
		p := draw(t, namePaths, "path")
		if rapid.Bool().Draw(t, "has_mode") {
			return "mkdir " + p + " " + draw(t, dirModes, "mode")
		}
		return "mkdir " + p
	},
	"rmdir": func(t *rapid.T, g *gen) string { return "rmdir " + draw(t, namePaths, "path") },
	"open": func(t *rapid.T, g *gen) string {
		b := bind(t, fileNames, "bind")
		p := draw(t, usePaths, "path")
		fl := draw(t, openFlags, "flags")
		if k, ok := g.m.Kind(p, true); ok && k == model.Fifo && !strings.Contains(fl, "O_EXCL") {
			return ""
		}
		s := b + "open " + p + " " + fl
		if strings.Contains(fl, "O_CREAT") && rapid.Bool().Draw(t, "has_mode") {
			s += " " + draw(t, fileModes, "mode")
		}
		return s
	},
	"creat": func(t *rapid.T, g *gen) string {
		p := draw(t, namePaths, "path")
		if k, ok := g.m.Kind(p, true); ok && k == model.Fifo {
			return ""
		}
		if rapid.Bool().Draw(t, "has_mode") {
			return "creat " + p + " " + draw(t, fileModes, "mode")
		}
		return "creat " + p
	},
	"write": func(t *rapid.T, g *gen) string {
		f := g.ref(t, fileNames, "fd")
		if f == "" {
			return ""
		}
		return "write " + f + " " + draw(t, []string{"x", "hello"}, "data")
	},
	"read": func(t *rapid.T, g *gen) string {
		f := g.ref(t, fileNames, "fd")
		if f == "" {
			return ""
		}
		return "read " + f + " " + draw(t, []string{"1", "0", "4", "100"}, "n")
	},
	"read_events": func(t *rapid.T, g *gen) string {
		i := g.ref(t, instNames, "inst")
		if i == "" {
			return ""
		}
		if n := draw(t, readSizes, "bufsize"); n != "" {
			return "read " + i + " " + n
		}
		return "read " + i
	},
	"lseek": func(t *rapid.T, g *gen) string {
		f := g.ref(t, fileNames, "fd")
		if f == "" {
			return ""
		}
		return "lseek " + f + " " + draw(t, []string{"0", "2", "-1"}, "off")
	},
	"close": func(t *rapid.T, g *gen) string {
		f := g.ref(t, append(append([]string(nil), fileNames...), instNames...), "fd")
		if f == "" {
			return ""
		}
		return "close " + f
	},
	"cd": func(t *rapid.T, g *gen) string { return "cd " + draw(t, usePaths, "path") },
	"truncate": func(t *rapid.T, g *gen) string {
		return "truncate " + draw(t, usePaths, "path") + " " + draw(t, []string{"0", "3", "-1"}, "len")
	},
	"ftruncate": func(t *rapid.T, g *gen) string {
		f := g.ref(t, fileNames, "fd")
		if f == "" {
			return ""
		}
		return "ftruncate " + f + " " + draw(t, []string{"0", "3", "-1"}, "len")
	},
	"chmod": func(t *rapid.T, g *gen) string {
		return "chmod " + draw(t, usePaths, "path") + " " + draw(t, append(dirModes, fileModes...), "mode")
	},
	"fchmod": func(t *rapid.T, g *gen) string {
		f := g.ref(t, fileNames, "fd")
		if f == "" {
			return ""
		}
		return "fchmod " + f + " " + draw(t, append(dirModes, fileModes...), "mode")
	},
	"chown": func(t *rapid.T, g *gen) string {
		return "chown " + draw(t, usePaths, "path") + " " + draw(t, []string{"0:0", "65534:65534", "0:65534"}, "ids")
	},
	"utimes": func(t *rapid.T, g *gen) string {
		return "utimes " + draw(t, usePaths, "path") + " " + draw(t, []string{"both", "atime", "mtime"}, "which")
	},
	"link": func(t *rapid.T, g *gen) string {
		return "link " + draw(t, namePaths, "old") + " " + draw(t, namePaths, "new")
	},
	"symlink": func(t *rapid.T, g *gen) string {
		return "symlink " + draw(t, symlinkDests, "target") + " " + draw(t, namePaths, "path")
	},
	"mkfifo": func(t *rapid.T, g *gen) string { return "mkfifo " + draw(t, namePaths, "path") },
	"unlink": func(t *rapid.T, g *gen) string { return "unlink " + draw(t, namePaths, "path") },
	"rename": func(t *rapid.T, g *gen) string {
		s := "rename " + draw(t, namePaths, "old") + " " + draw(t, namePaths, "new")
		if fl := draw(t, []string{"", "", "noreplace", "exchange"}, "flags"); fl != "" {
			s += " " + fl
		}
		return s
	},
	"readdir": func(t *rapid.T, g *gen) string { return "readdir " + draw(t, usePaths, "path") },
	"mount":   func(t *rapid.T, g *gen) string { return "mount tmpfs " + draw(t, mountPaths, "path") },
	"umount": func(t *rapid.T, g *gen) string {
		if rapid.Bool().Draw(t, "lazy") {
			return "umount -l " + draw(t, mountPaths, "path")
		}
		return "umount " + draw(t, mountPaths, "path")
	},
	"as": func(t *rapid.T, g *gen) string { return "as " + draw(t, []string{"0", "65534"}, "uid") },
	"inotify_init": func(t *rapid.T, g *gen) string {
		s := bind(t, instNames, "bind") + "inotify_init"
		if fl := draw(t, []string{"", "IN_NONBLOCK", "IN_CLOEXEC", "1"}, "flags"); fl != "" {
			s += " " + fl
		}
		return s
	},
	"inotify_add_watch": addWatch,
	"inotify_add_watch2": func(t *rapid.T, g *gen) string {
		// A second key doubles how often watches are added.
		return addWatch(t, g)
	},
	"inotify_rm_watch": func(t *rapid.T, g *gen) string {
		i := g.ref(t, instNames, "inst")
		if i == "" {
			return ""
		}
		w := g.ref(t, wdNames, "wd")
		if w == "" || rapid.IntRange(0, 9).Draw(t, "literal") == 0 {
			w = draw(t, []string{"1", "2", "99"}, "wdnum")
		}
		return "inotify_rm_watch " + i + " " + w
	},
	"fionread": func(t *rapid.T, g *gen) string {
		i := g.ref(t, instNames, "inst")
		if i == "" {
			return ""
		}
		return "fionread " + i
	},
	"setnextwd": func(t *rapid.T, g *gen) string {
		i := g.ref(t, instNames, "inst")
		if i == "" {
			return ""
		}
		return "setnextwd " + i + " " + draw(t, []string{"1", "5", "0"}, "next")
	},
	"sysctl": func(t *rapid.T, g *gen) string {
		return "sysctl max_queued_events=" + draw(t, queueSizes, "max_queued_events")
	},
}

func addWatch(t *rapid.T, g *gen) string {
	b := bind(t, wdNames, "bind")
	i := g.ref(t, instNames, "inst")
	if i == "" {
		return ""
	}
	if rapid.IntRange(0, 19).Draw(t, "not_inst") == 0 {
		if f := g.ref(t, fileNames, "fd"); f != "" {
			i = f
		}
	}
	p := draw(t, usePaths, "path")
	var mask string
	if rapid.IntRange(0, 19).Draw(t, "odd") == 0 {
		mask = draw(t, oddMasks, "mask")
	} else {
		mask = draw(t, watchEvents, "events")
		if fl := draw(t, watchFlags, "wflags"); fl != "" && rapid.Bool().Draw(t, "use_flags") {
			mask += "|" + fl
		}
	}
	return b + "inotify_add_watch " + i + " " + p + " " + mask
}

// actionNames are the keys of actions, sorted (never draw from a map's
// range order).
var actionNames = func() []string {
	var ks []string
	for k := range actions {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}()

// note records what a generated line binds.
func (g *gen) note(line string) {
	if strings.HasPrefix(line, "as ") {
		g.nonRoot = line != "as 0"
	}
	if i := strings.Index(line, " = "); i > 0 {
		g.bound[line[:i]] = true
	}
}

// epilogue drains every bound instance, so that a scenario shows each
// instance's remaining events.
func (g *gen) epilogue() []string {
	var out []string
	for _, i := range g.boundOf(instNames) {
		out = append(out, "read "+i)
	}
	return out
}

// genScenario draws a whole scenario (the kernel test's generator): the
// same actions as the state machine, through rapid's Repeat (so lengths
// follow -rapid.steps and shrink command by command), steered by a model
// run alongside; at most max commands.
// prologue is how half the sequences start: a directory watched for every
// event, so that the namespace operations after it are seen (a sequence
// of uniformly drawn commands otherwise watches nothing for most of its
// length, and the mutation campaign found bugs of event delivery it never
// exercised). A draw, which rapid shrinks away when it does not matter.
func prologue(t *rapid.T) []string {
	if !rapid.Bool().Draw(t, "prologue") {
		return nil
	}
	return []string{"mkdir /a", "i1 = inotify_init", "w1 = inotify_add_watch i1 /a IN_ALL_EVENTS"}
}

func genScenario(t *rapid.T, max int) []string {
	m := model.New()
	g := newGen(m)
	s := newSession(m, nil)
	defer s.stop()
	var lines []string
	for _, line := range prologue(t) {
		if err := runLine(s, line); err != nil {
			t.Fatalf("prologue line %q: %v", line, err)
		}
		g.note(line)
		lines = append(lines, line)
	}
	acts := map[string]func(*rapid.T){}
	for _, name := range actionNames {
		gen := actions[name]
		acts[name] = func(t *rapid.T) {
			if len(lines) >= max {
				return // long enough: a valid no-op, so Repeat just runs out
			}
			line := gen(t, g)
			if line == "" {
				t.Skip("no operand for " + name)
			}
			if err := runLine(s, line); err != nil {
				t.Fatalf("generated line %q: %v", line, err)
			}
			g.note(line)
			lines = append(lines, line)
		}
	}
	t.Repeat(acts)
	return append(lines, g.epilogue()...)
}

// runLine runs one generated line on a session.
func runLine(s *session, line string) error {
	_, err := stepLine(s, line)
	return err
}

func stepLine(s *session, line string) ([]call, error) {
	f, err := parseLine(line)
	if err != nil {
		return nil, err
	}
	last := f.Lines[len(f.Lines)-1]
	if last.Kind == scenario.SysctlLine {
		return s.sysctl(last.Key, last.Value), nil
	}
	if last.Kind != scenario.CommandLine {
		return nil, fmt.Errorf("not a command: %q", line)
	}
	return s.exec(last.Cmd), nil
}
