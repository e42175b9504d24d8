package sim_test

import (
	"bufio"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/inosim/inosim/internal/lockdep"
	"github.com/inosim/inosim/sim"
	"github.com/inosim/inosim/simrun"
	"github.com/inosim/inosim/simtest"
)

// documentedOrder reads the lock-order block of docs/locking.md.
func documentedOrder(t *testing.T) map[string]int {
	f, err := os.Open("../docs/locking.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	order := map[string]int{}
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "```lock-order":
			in = true
		case in && line == "```":
			return order
		case in && line != "":
			order[line] = len(order)
		}
	}
	t.Fatal("docs/locking.md has no lock-order block")
	return nil
}

// TestLockingDocMatchesChecker runs every scenario of the corpus and checks
// each dependency lockdep recorded against docs/locking.md, so the document
// cannot go stale. Entering a read-side section (fsnotify_mark_srcu) under
// a lock is no dependency of the order: only what a section takes, and what
// is held around a wait for its readers, is.
func TestLockingDocMatchesChecker(t *testing.T) {
	order := documentedOrder(t)
	for _, c := range lockdep.Classes() {
		if _, ok := order[c]; !ok {
			t.Errorf("lock class %q is not in docs/locking.md", c)
		}
	}
	for name := range order {
		base, _, _ := strings.Cut(name, "/")
		found := false
		for _, c := range lockdep.Classes() {
			found = found || c == base
		}
		if !found {
			t.Errorf("docs/locking.md names %q, which no code defines", name)
		}
	}
	edges := 0
	for name, k := range corpusKernels(t) {
		for _, e := range k.Validator().Edges() {
			edges++
			if e.ToRead {
				continue // entering a read-side section: a reader waits for no reader
			}
			from, okf := order[e.From]
			to, okt := order[e.To]
			switch {
			case !okf || !okt:
				t.Errorf("%s: edge %s -> %s names an undocumented class (at %s)", name, e.From, e.To, e.Site)
			case from >= to:
				t.Errorf("%s: %s taken while holding %s at %s, against docs/locking.md", name, e.To, e.From, e.Site)
			}
		}
	}
	if edges == 0 {
		t.Fatal("no lock dependencies recorded: is lockdep on?")
	}
}

// corpusKernels runs every scenario of sim/testdata and examples/ and
// returns each one's kernel after the run, by file name.
func corpusKernels(t *testing.T) map[string]*sim.Kernel {
	t.Helper()
	files, _ := filepath.Glob("testdata/*.scen")
	pers, _ := filepath.Glob("testdata/personality/*.scen")
	ex, _ := filepath.Glob("../examples/*.scen")
	out := map[string]*sim.Kernel{}
	for _, name := range append(append(files, pers...), ex...) {
		f := simtest.ParseFile(t, name)
		var k *sim.Kernel
		if _, err := simrun.Run(f, simrun.Options{Setup: func(kk *sim.Kernel) { k = kk }}); err != nil {
			continue // a personality not modelled yet
		}
		out[name] = k
	}
	return out
}

// lockTree is the lock order a package's doc comment draws as an indented
// tree under "Lock order".
type lockTree struct {
	pkg    string
	names  []string // node names in order; "" for a placeholder such as "[inotify locks]"
	parent []int    // index of each node's parent, -1 for a root
}

var classDecl = regexp.MustCompile(`lockdep\.NewClass\("([^"]+)"\)`)

// packageTrees reads the lock tree of every package that declares a lock
// class, and the classes each declares.
func packageTrees(t *testing.T) (trees []lockTree, declared map[string][]string) {
	declared = map[string][]string{}
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && path != ".." || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") ||
			strings.Contains(path, "lockdep") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		dir := filepath.Dir(path)
		for _, m := range classDecl.FindAllStringSubmatch(string(src), -1) {
			declared[dir] = append(declared[dir], m[1])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	dirs := make([]string, 0, len(declared))
	for dir := range declared {
		dirs = append(dirs, dir)
	}
	sort.Strings(dirs)
	for _, dir := range dirs {
		tr := parseTree(t, dir)
		if len(tr.names) == 0 {
			t.Errorf("%s declares lock classes %v but its doc.go draws no lock tree", dir, declared[dir])
			continue
		}
		trees = append(trees, tr)
	}
	return trees, declared
}

// parseTree reads the first tab-indented block after "Lock order" in dir's
// doc.go: two spaces of indentation a level, the class name first on a line.
func parseTree(t *testing.T, dir string) lockTree {
	tr := lockTree{pkg: filepath.Base(dir)}
	src, err := os.ReadFile(filepath.Join(dir, "doc.go"))
	if err != nil {
		return tr
	}
	var stack []int // the last node seen at each depth
	seen, in := false, false
	for _, line := range strings.Split(string(src), "\n") {
		if !seen {
			seen = strings.Contains(strings.ToLower(line), "lock order")
			continue
		}
		body, ok := strings.CutPrefix(line, "//\t")
		if !ok {
			if in {
				break
			}
			continue
		}
		in = true
		trimmed := strings.TrimLeft(body, " ")
		depth := (len(body) - len(trimmed)) / 2
		name := strings.Fields(trimmed)[0]
		if strings.HasPrefix(name, "[") {
			name = ""
		}
		if depth > len(stack) {
			t.Errorf("%s/doc.go: lock tree line %q is indented past its parent", dir, line)
			depth = len(stack)
		}
		stack = stack[:depth]
		p := -1
		if depth > 0 {
			p = stack[depth-1]
		}
		tr.names = append(tr.names, name)
		tr.parent = append(tr.parent, p)
		stack = append(stack, len(tr.names)-1)
	}
	return tr
}

// below reports whether class b sits under class a somewhere in the tree.
func (tr lockTree) below(a, b string) bool {
	for i, n := range tr.names {
		if baseClass(n) != b {
			continue
		}
		for p := tr.parent[i]; p >= 0; p = tr.parent[p] {
			if baseClass(tr.names[p]) == a {
				return true
			}
		}
	}
	return false
}

func (tr lockTree) has(class string) bool {
	for _, n := range tr.names {
		if baseClass(n) == class {
			return true
		}
	}
	return false
}

func baseClass(name string) string {
	base, _, _ := strings.Cut(name, "/")
	return base
}

// TestPackageLockTrees: each package that owns lock classes draws them in
// its doc as a tree; every nesting the tree draws agrees with
// docs/locking.md, and every dependency the corpus records between two
// classes of one tree is drawn in it (the taken lock below the held one),
// except the entry into a read-side section, which the prose describes.
func TestPackageLockTrees(t *testing.T) {
	order := documentedOrder(t)
	trees, declared := packageTrees(t)
	for _, tr := range trees {
		dir := ""
		for d := range declared {
			if filepath.Base(d) == tr.pkg {
				dir = d
			}
		}
		for _, c := range declared[dir] {
			if !tr.has(c) {
				t.Errorf("package %s declares %s but its lock tree does not show it", tr.pkg, c)
			}
		}
		for i, n := range tr.names {
			if n == "" {
				continue
			}
			if _, ok := order[n]; !ok {
				t.Errorf("package %s's lock tree names %s, which docs/locking.md does not", tr.pkg, n)
				continue
			}
			for p := tr.parent[i]; p >= 0; p = tr.parent[p] {
				if tr.names[p] == "" {
					continue
				}
				if order[tr.names[p]] >= order[n] {
					t.Errorf("package %s's lock tree nests %s in %s, against docs/locking.md", tr.pkg, n, tr.names[p])
				}
				break
			}
		}
	}
	seen := map[[2]string]string{}
	for _, k := range corpusKernels(t) { // the first site of a pair may vary; only the message shows it
		for _, e := range k.Validator().Edges() {
			if e.ToRead {
				continue
			}
			a, b := baseClass(e.From), baseClass(e.To)
			if a != b {
				if _, ok := seen[[2]string{a, b}]; !ok {
					seen[[2]string{a, b}] = e.Site.String()
				}
			}
		}
	}
	pairs := make([][2]string, 0, len(seen))
	for ab := range seen {
		pairs = append(pairs, ab)
	}
	sort.Slice(pairs, func(i, j int) bool { return pairs[i][0]+" "+pairs[i][1] < pairs[j][0]+" "+pairs[j][1] })
	for _, ab := range pairs {
		site := seen[ab]
		for _, tr := range trees {
			if tr.has(ab[0]) && tr.has(ab[1]) && !tr.below(ab[0], ab[1]) {
				t.Errorf("package %s's lock tree does not show %s taken under %s (recorded at %s)", tr.pkg, ab[1], ab[0], site)
			}
		}
	}
}
