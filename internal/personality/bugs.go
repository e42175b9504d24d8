package personality

import (
	"fmt"
	"slices"
	"strings"
)

// Bug is a historical inotify bug the simulator can put back: a switch
// that restores the buggy code in the one place it lived, in the backend
// of its era (scenario directive "bug NAME", flag --bug NAME). Each
// switch's site in the code tests P.Has with its constant, and nothing
// else does.
type Bug uint8

// The bugs, in the order docs/bugs.md teaches them.
const (
	// BugHeadMerge: the queue coalesces a new event with the oldest unread
	// one instead of the newest, so an event equal to the head is lost
	// and an event equal to the tail is not merged. The code of seed 000
	// and 2.6.18 (inotify_dev_get_event), fixed by 1c17d18e3775 for
	// 2.6.25; on today's backend it is inotify_merge taking
	// list_first_entry, a mutation the property tests must catch.
	BugHeadMerge Bug = iota
	numBugs
)

// BugInfo describes one bug switch.
type BugInfo struct {
	Bug      Bug
	Name     string        // the directive's and the flag's name
	Backends []BackendKind // the backends whose code carries it
	Commit   string        // the commit that fixed it (or introduced it)
	About    string        // one line for inosim help
}

var bugTable = [numBugs]BugInfo{
	BugHeadMerge: {BugHeadMerge, "head-merge", []BackendKind{BackendHandle, BackendFsnotify}, "1c17d18e3775",
		"coalesce with the oldest queued event, not the newest (2.6.13-2.6.24)"},
}

// Bugs lists every bug switch, in order.
func Bugs() []BugInfo { return bugTable[:] }

// Has reports whether p carries bug b.
func (p *P) Has(b Bug) bool { return p.bugs&(1<<b) != 0 }

// BugNames lists p's bugs by name, in order.
func (p *P) BugNames() []string {
	var out []string
	for _, bi := range bugTable {
		if p.Has(bi.Bug) {
			out = append(out, bi.Name)
		}
	}
	return out
}

// WithBug returns a copy of p that carries the bug called name, or an
// error naming the known bugs, or saying that p's backend never had it.
func (p *P) WithBug(name string) (*P, error) {
	for _, bi := range bugTable {
		if bi.Name != name {
			continue
		}
		if !slices.Contains(bi.Backends, p.Backend) {
			return nil, fmt.Errorf("bug %s is not in personality %s's code", name, p.Name)
		}
		q := *p
		q.bugs |= 1 << bi.Bug
		return &q, nil
	}
	var names []string
	for _, bi := range bugTable {
		names = append(names, bi.Name)
	}
	return nil, fmt.Errorf("unknown bug %q (known: %s)", name, strings.Join(names, ", "))
}
