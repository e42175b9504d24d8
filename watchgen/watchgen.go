package watchgen

import (
	"fmt"
	"path"
	"sort"
	"strings"

	"golang.org/x/sys/unix"
	"pgregory.net/rapid"
)

// Call is one system call of the activity, on paths relative to the base
// directory ("w/a/b"), or a point where the consumer reads ("sync").
type Call struct {
	Op   string // mkdir, creat, write, rename, link, symlink, unlink, rmdir, sync
	Path string
	To   string // rename's and link's new path, symlink's target
	Data string
}

func (c Call) String() string {
	switch c.Op {
	case "rename", "link":
		return c.Op + " " + c.Path + " " + c.To
	case "symlink":
		return "symlink " + c.To + " " + c.Path
	case "write":
		return fmt.Sprintf("write %s %q", c.Path, c.Data)
	case "sync":
		return "sync"
	}
	return c.Op + " " + c.Path
}

// Scenario is one drawn test: the limits the kernel is set to (0: the
// default) and the calls, in order.
type Scenario struct {
	MaxQueuedEvents  int
	MaxUserWatches   int
	MaxUserInstances int
	Calls            []Call
}

// Commands counts the scenario's file-system calls (its syncs and limits
// not included).
func (s Scenario) Commands() int {
	n := 0
	for _, c := range s.Calls {
		if c.Op != "sync" {
			n++
		}
	}
	return n
}

// Options choose what Draw generates.
type Options struct {
	Tree    string // the watched tree, relative to the base ("w")
	Outside string // a directory beside it, for moves in and out ("out")
	// Actions are the enabled actions (nil: all of Actions).
	Actions []string
	// MaxActions bounds the number of actions (default 12).
	MaxActions int
	// QueueLimits, WatchLimits and InstanceLimits are the values drawn for
	// max_queued_events, max_user_watches and max_user_instances (0 is
	// the default; nil: always 0). The host cannot take them (they are
	// global there): set them only for the simulator.
	QueueLimits, WatchLimits, InstanceLimits []int
}

// Actions lists every action, simplest first (rapid shrinks towards the
// first).
var Actions = []string{"sync", "creat", "mkdir-p", "write", "mv", "dir-rename", "rm-rf", "link",
	"symlink", "atomic-save", "mv-out", "mv-in", "burst"}

var names = []string{"a", "b", "c", "d"}

// tree is the generator's model of the files, so that it draws calls on
// paths that exist (and can expand rm -rf).
type tree map[string]byte // path → 'd', 'f' or 'l'

func (t tree) list(kind byte, under string) []string {
	var out []string
	for p, k := range t {
		if (kind == 0 || k == kind) && (p == under || strings.HasPrefix(p, under+"/")) {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

func (t tree) free(dir string) []string {
	var out []string
	for _, n := range names {
		if _, ok := t[dir+"/"+n]; !ok {
			out = append(out, dir+"/"+n)
		}
	}
	return out
}

// Draw draws a scenario.
func Draw(rt *rapid.T, o Options) Scenario {
	if o.Tree == "" {
		o.Tree, o.Outside = "w", "out"
	}
	acts := o.Actions
	if acts == nil {
		acts = Actions
	}
	max := o.MaxActions
	if max == 0 {
		max = 12
	}
	var s Scenario
	pick := func(vals []int, label string) int {
		if len(vals) == 0 {
			return 0
		}
		return rapid.SampledFrom(vals).Draw(rt, label)
	}
	s.MaxQueuedEvents = pick(o.QueueLimits, "max_queued_events")
	s.MaxUserWatches = pick(o.WatchLimits, "max_user_watches")
	s.MaxUserInstances = pick(o.InstanceLimits, "max_user_instances")
	g := &gen{rt: rt, t: tree{o.Tree: 'd', o.Outside: 'd'}, o: o}
	n := rapid.IntRange(1, max).Draw(rt, "actions")
	for range n {
		g.action(rapid.SampledFrom(acts).Draw(rt, "action"))
	}
	s.Calls = g.calls
	return s
}

type gen struct {
	rt    *rapid.T
	t     tree
	o     Options
	calls []Call
	seq   int
}

func (g *gen) emit(c Call) { g.calls = append(g.calls, c) }

func (g *gen) choose(list []string, label string) (string, bool) {
	if len(list) == 0 {
		return "", false
	}
	return rapid.SampledFrom(list).Draw(g.rt, label), true
}

// move records a rename from → to in the model (a subtree moves).
func (g *gen) move(from, to string) {
	for _, p := range g.t.list(0, from) {
		k := g.t[p]
		delete(g.t, p)
		g.t[to+p[len(from):]] = k
	}
}

func (g *gen) remove(p string) {
	for _, q := range g.t.list(0, p) {
		delete(g.t, q)
	}
}

// action expands one action into calls.
func (g *gen) action(a string) {
	tr, out := g.o.Tree, g.o.Outside
	switch a {
	case "sync":
		g.emit(Call{Op: "sync"})
	case "creat":
		dir, _ := g.choose(g.t.list('d', tr), "dir")
		if p, ok := g.choose(g.t.free(dir), "name"); ok {
			g.emit(Call{Op: "creat", Path: p})
			g.t[p] = 'f'
		}
	case "mkdir-p":
		dir, _ := g.choose(g.t.list('d', tr), "dir")
		depth := rapid.IntRange(1, 3).Draw(g.rt, "depth")
		for range depth {
			p, ok := g.choose(g.t.free(dir), "name")
			if !ok {
				return
			}
			g.emit(Call{Op: "mkdir", Path: p})
			g.t[p] = 'd'
			dir = p
		}
	case "write":
		if p, ok := g.choose(g.t.list('f', tr), "file"); ok {
			g.emit(Call{Op: "write", Path: p, Data: rapid.SampledFrom([]string{"x", "hello"}).Draw(g.rt, "data")})
		}
	case "mv", "dir-rename", "mv-out", "mv-in":
		var src []string
		switch a {
		case "dir-rename":
			src = g.t.list('d', tr)[1:]
		case "mv-in":
			if len(g.t.list(0, out)) == 1 { // something to move in: a dir with a file
				d := out + "/" + rapid.SampledFrom(names).Draw(g.rt, "outside")
				g.emit(Call{Op: "mkdir", Path: d})
				g.emit(Call{Op: "creat", Path: d + "/f"})
				g.t[d], g.t[d+"/f"] = 'd', 'f'
			}
			src = g.t.list(0, out)[1:]
		default:
			src = g.t.list(0, tr)[1:]
		}
		from, ok := g.choose(src, "from")
		if !ok {
			return
		}
		var dirs []string
		switch a {
		case "dir-rename":
			dirs = []string{path.Dir(from)}
		case "mv-out":
			dirs = g.t.list('d', out)
		default:
			dirs = g.t.list('d', tr)
		}
		var ok2 []string
		for _, d := range dirs {
			if d != from && !strings.HasPrefix(d, from+"/") {
				ok2 = append(ok2, d)
			}
		}
		dir, ok := g.choose(ok2, "to-dir")
		if !ok {
			return
		}
		to, ok := g.choose(g.t.free(dir), "to")
		if !ok {
			return
		}
		g.emit(Call{Op: "rename", Path: from, To: to})
		g.move(from, to)
	case "rm-rf":
		p, ok := g.choose(g.t.list(0, tr)[1:], "victim")
		if !ok {
			return
		}
		all := g.t.list(0, p)
		for i := len(all) - 1; i >= 0; i-- { // children before parents
			if g.t[all[i]] == 'd' {
				g.emit(Call{Op: "rmdir", Path: all[i]})
			} else {
				g.emit(Call{Op: "unlink", Path: all[i]})
			}
		}
		g.remove(p)
	case "link":
		src, ok := g.choose(g.t.list('f', tr), "file")
		if !ok {
			return
		}
		dir, _ := g.choose(g.t.list('d', tr), "dir")
		if p, ok := g.choose(g.t.free(dir), "name"); ok {
			g.emit(Call{Op: "link", Path: src, To: p})
			g.t[p] = 'f'
		}
	case "symlink":
		dir, _ := g.choose(g.t.list('d', tr), "dir")
		if p, ok := g.choose(g.t.free(dir), "name"); ok {
			g.emit(Call{Op: "symlink", Path: p, To: rapid.SampledFrom([]string{"a", "..", "/nowhere"}).Draw(g.rt, "target")})
			g.t[p] = 'l'
		}
	case "atomic-save":
		p, ok := g.choose(g.t.list('f', tr), "file")
		if !ok {
			return
		}
		g.seq++
		tmp := fmt.Sprintf("%s/.%s.tmp%d", path.Dir(p), path.Base(p), g.seq)
		g.emit(Call{Op: "creat", Path: tmp})
		g.emit(Call{Op: "write", Path: tmp, Data: "new"})
		g.emit(Call{Op: "rename", Path: tmp, To: p})
	case "burst":
		dir, _ := g.choose(g.t.list('d', tr), "dir")
		k := rapid.IntRange(5, 40).Draw(g.rt, "burst")
		for range k {
			g.seq++
			p := fmt.Sprintf("%s/burst%d", dir, g.seq)
			g.emit(Call{Op: "creat", Path: p})
			g.emit(Call{Op: "unlink", Path: p})
		}
	}
}

// Sys is the part of unixsim.Sys that Apply uses.
type Sys interface {
	Open(path string, mode int, perm uint32) (fd int, err error)
	Write(fd int, p []byte) (n int, err error)
	Close(fd int) (err error)
	Mkdir(path string, mode uint32) (err error)
	Rmdir(path string) error
	Unlink(path string) error
	Rename(oldpath string, newpath string) (err error)
	Link(oldpath string, newpath string) (err error)
	Symlink(oldpath string, newpath string) (err error)
}

// Apply makes c's system call under base (the directory holding the tree
// and the outside directory). A "sync" does nothing here: the test reads
// its consumer's events there.
func Apply(sys Sys, base string, c Call) error {
	p := base + "/" + c.Path
	switch c.Op {
	case "mkdir":
		return sys.Mkdir(p, 0o755)
	case "creat", "write":
		flags := unix.O_WRONLY | unix.O_CREAT | unix.O_CLOEXEC | unix.O_TRUNC
		if c.Op == "write" {
			flags = unix.O_WRONLY | unix.O_APPEND | unix.O_CLOEXEC
		}
		fd, err := sys.Open(p, flags, 0o644)
		if err != nil {
			return err
		}
		if c.Data != "" {
			_, err = sys.Write(fd, []byte(c.Data))
		}
		if cerr := sys.Close(fd); err == nil {
			err = cerr
		}
		return err
	case "rename":
		return sys.Rename(p, base+"/"+c.To)
	case "link":
		return sys.Link(p, base+"/"+c.To)
	case "symlink":
		return sys.Symlink(c.To, p)
	case "unlink":
		return sys.Unlink(p)
	case "rmdir":
		return sys.Rmdir(p)
	}
	return nil
}

// Scen writes the scenario in the scenario language: the limits, the
// tree and the outside directory, one instance watching the tree's root
// (so that the transcript shows what a watcher of the root reads), the
// calls, and a read at each sync and at the end.
func (s Scenario) Scen(tree, outside string) string {
	var b strings.Builder
	b.WriteString("# A scenario drawn by watchgen (shrunk).\n")
	if s.MaxQueuedEvents > 0 {
		fmt.Fprintf(&b, "sysctl max_queued_events=%d\n", s.MaxQueuedEvents)
	}
	if s.MaxUserWatches > 0 {
		fmt.Fprintf(&b, "sysctl max_user_watches=%d\n", s.MaxUserWatches)
	}
	if s.MaxUserInstances > 0 {
		fmt.Fprintf(&b, "sysctl max_user_instances=%d\n", s.MaxUserInstances)
	}
	fmt.Fprintf(&b, "mkdir /%s\nmkdir /%s\ni = inotify_init\nw = inotify_add_watch i /%s IN_ALL_EVENTS\n", tree, outside, tree)
	for _, c := range s.Calls {
		p := "/" + c.Path
		switch c.Op {
		case "sync":
			if !strings.HasSuffix(b.String(), "read i\n") {
				b.WriteString("read i\n")
			}
		case "creat", "mkdir", "unlink", "rmdir":
			fmt.Fprintf(&b, "%s %s\n", c.Op, p)
		case "write":
			fmt.Fprintf(&b, "f = open %s O_WRONLY|O_APPEND\nwrite f %q\nclose f\n", p, c.Data)
		case "rename", "link":
			fmt.Fprintf(&b, "%s %s /%s\n", c.Op, p, c.To)
		case "symlink":
			fmt.Fprintf(&b, "symlink %q %s\n", c.To, p)
		}
	}
	if !strings.HasSuffix(b.String(), "read i\n") {
		b.WriteString("read i\n")
	}
	return b.String()
}
