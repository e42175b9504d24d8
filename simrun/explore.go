package simrun

import (
	"fmt"
	"slices"
	"strings"

	"github.com/inosim/inosim/internal/sched"
	"github.com/inosim/inosim/scenario"
)

// ExploreOptions choose how Explore searches a concurrent file's
// schedules.
type ExploreOptions struct {
	// Strategy is "dfs" (every schedule with at most Preemptions
	// preemptions, up to Runs of them), "random" (Runs random walks) or
	// "pct" (Runs runs of PCT of depth Preemptions+1).
	Strategy    string
	Runs        int
	Preemptions int
	Seed        uint64
	// Bugs are put back besides the file's (Options.Bugs).
	Bugs []string
}

// ExploredOutcome is one distinct outcome: its signature, the excerpt of
// the transcript that shows it, how many schedules gave it, and the replay
// token of the first that did.
type ExploredOutcome struct {
	Signature string
	Excerpt   string
	Count     int
	Token     string
	Allowed   bool // the file lists it (or lists no outcome at all)
}

// ExploredReport is one distinct report of the checkers (lockdep, a
// deadlock, refcounts, leaks), with the token of the first schedule that
// made it and how many did. Deadlock reports that differ only in their
// interleaving table count as one.
type ExploredReport struct {
	Text  string
	Token string
	Count int
}

// reportKey is what makes two reports the same: their text, up to a
// deadlock's interleaving table.
func reportKey(text string) string {
	key, _, _ := strings.Cut(text, "\nthe interleaving that led here:")
	return key
}

// Explored is what Explore found.
type Explored struct {
	Strategy  string
	Schedules int
	Complete  bool // dfs: every schedule within the bound was run
	Outcomes  []*ExploredOutcome
	Reports   []*ExploredReport
	// Expected are the reports the file's expect lines matched, each with
	// the first schedule that made it (not failures: the file says some
	// schedule makes them).
	Expected []*ExploredReport
}

// Failed reports whether a schedule made a report or gave an outcome the
// file does not allow.
func (e *Explored) Failed() bool {
	if len(e.Reports) > 0 {
		return true
	}
	for _, o := range e.Outcomes {
		if !o.Allowed {
			return true
		}
	}
	return false
}

// Explore runs f under many schedules and gathers the distinct outcomes
// and reports, in the order first seen. Runs are deterministic: the same
// file and options give the same result.
func Explore(f *scenario.File, opt ExploreOptions) (*Explored, error) {
	if !f.Concurrent() {
		return nil, fmt.Errorf("%s: no thread or process lines: nothing to explore", f.Name)
	}
	if opt.Runs <= 0 {
		opt.Runs = 1000
	}
	var st sched.Strategy
	var dfs *sched.DFS
	switch opt.Strategy {
	case "", "dfs":
		opt.Strategy = "dfs"
		dfs = sched.NewDFS(opt.Preemptions)
		st = dfs
	case "random":
		st = sched.NewRandom(opt.Seed)
	case "pct":
		st = sched.NewPCT(opt.Seed, opt.Preemptions+1)
	default:
		return nil, fmt.Errorf("unknown strategy %q (random, pct or dfs)", opt.Strategy)
	}
	allowed := f.Outcomes()
	ex := &Explored{Strategy: opt.Strategy}
	bySig := map[string]*ExploredOutcome{}
	seenReport := map[string]*ExploredReport{}
	unmet := map[string]int{} // expect line → schedules that did not meet it
	for ex.Schedules < opt.Runs {
		if s, ok := st.(sched.Starter); ok {
			s.StartRun()
		}
		res, err := Run(f, Options{Strategy: st, Bugs: opt.Bugs})
		if err != nil {
			return nil, err
		}
		ex.Schedules++
		sig := scenario.Signature(f, res.Outcomes)
		o := bySig[sig]
		if o == nil {
			o = &ExploredOutcome{Signature: sig, Excerpt: scenario.Excerpt(f, res.Outcomes), Token: res.Schedule,
				Allowed: len(allowed) == 0 || slices.Contains(allowed, sig)}
			bySig[sig] = o
			ex.Outcomes = append(ex.Outcomes, o)
		}
		o.Count++
		count := func(list *[]*ExploredReport, reports []string) {
			for _, p := range reports {
				k := reportKey(p)
				if seenReport[k] == nil {
					*list = append(*list, &ExploredReport{Text: p, Token: res.Schedule})
					seenReport[k] = (*list)[len(*list)-1]
				}
				seenReport[k].Count++
			}
		}
		count(&ex.Reports, res.Problems)
		count(&ex.Expected, res.Expected)
		for _, e := range res.Unmet {
			unmet[e]++
		}
		if dfs != nil {
			if dfs.Diverged {
				return nil, fmt.Errorf("%s: a schedule did not replay the same way twice: the run is not deterministic", f.Name)
			}
			if !dfs.Next() {
				ex.Complete = true
				break
			}
		}
	}
	// An expect line of a concurrent file is met if some schedule met it.
	for _, e := range f.Expects() {
		if unmet[e] == ex.Schedules {
			ex.Reports = append(ex.Reports, &ExploredReport{Text: unmetExpect(e) + " in any schedule", Count: ex.Schedules})
		}
	}
	return ex, nil
}
