package sim_test

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/inosim/inosim/internal/lockdep"
	"github.com/inosim/inosim/scenario"
	"github.com/inosim/inosim/sim"
	"github.com/inosim/inosim/simrun"
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
// cannot go stale.
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
	files, _ := filepath.Glob("testdata/*.scen")
	ex, _ := filepath.Glob("../examples/*.scen")
	edges := 0
	for _, name := range append(files, ex...) {
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := scenario.Parse(name, src)
		if err != nil {
			t.Fatal(err)
		}
		var k *sim.Kernel
		if _, err := simrun.Run(f, simrun.Options{Setup: func(kk *sim.Kernel) { k = kk }}); err != nil {
			continue // a personality not modelled yet
		}
		for _, e := range k.Validator().Edges() {
			edges++
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
