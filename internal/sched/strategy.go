package sched

import "math/rand/v2"

// Random chooses uniformly among the runnable threads at each decision:
// a random walk, reproducible from its seed.
type Random struct {
	rng *rand.Rand
}

// NewRandom returns a random walk seeded with seed; successive runs with
// the same Random continue its stream.
func NewRandom(seed uint64) *Random {
	return &Random{rng: rand.New(rand.NewPCG(seed, 0x696e6f73696d))} // "inosim"
}

// Choose implements Strategy.
func (r *Random) Choose(d Decision) int { return d.Runnable[r.rng.IntN(len(d.Runnable))] }

// Replay follows a schedule: the thread a Switch names at its decision,
// the default elsewhere. A switch naming a thread that cannot run there
// means the run is not the one the schedule was taken from: Diverged
// then says where, and the default is taken.
type Replay struct {
	sw       []Switch
	next     int
	Diverged string
}

// NewReplay returns a Replay of sw.
func NewReplay(sw []Switch) *Replay { return &Replay{sw: sw} }

// Choose implements Strategy.
func (r *Replay) Choose(d Decision) int {
	for r.next < len(r.sw) && r.sw[r.next].At < d.N {
		r.next++ // a decision that did not happen: diverged
		r.diverge(d.N)
	}
	if r.next == len(r.sw) || r.sw[r.next].At != d.N {
		return d.Default
	}
	want := r.sw[r.next].Thread
	r.next++
	for _, id := range d.Runnable {
		if id == want {
			return id
		}
	}
	r.diverge(d.N)
	return d.Default
}

func (r *Replay) diverge(n int) {
	if r.Diverged == "" {
		r.Diverged = "the schedule does not fit this run at decision " + itoa(n)
	}
}

// Finish reports, after the run, whether the whole schedule was used; a
// switch left over means the run made fewer decisions than the schedule's.
func (r *Replay) Finish() string {
	if r.Diverged == "" && r.next < len(r.sw) {
		r.Diverged = "the run ended before the schedule's decision " + itoa(r.sw[r.next].At)
	}
	return r.Diverged
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

// Starter is implemented by strategies that keep state per run: StartRun
// is called before each run.
type Starter interface {
	StartRun()
}

// DFS enumerates every schedule whose number of preemptions (switches
// away from a thread that could have gone on) is at most a bound, depth
// first, one schedule per run: iterative context bounding's search space,
// explored without preemptions first at every decision. Runs must be
// deterministic functions of their decisions (they are, under the
// scheduler). After each run, Next says whether another schedule is left.
type DFS struct {
	bound    int
	stack    []dfsNode
	depth    int
	Diverged bool // a replayed prefix met different choices: the run was not deterministic
}

type dfsNode struct {
	options []int // the default first, then the others ascending
	cur     int   // Decision.Cur
	next    int   // the option this schedule takes
	pre     int   // preemptions before this decision
}

func (n *dfsNode) preempts(i int) int {
	if n.cur >= 0 && n.options[i] != n.cur {
		return 1
	}
	return 0
}

// NewDFS returns a search with at most bound preemptions per schedule.
func NewDFS(bound int) *DFS { return &DFS{bound: bound} }

// StartRun implements Starter.
func (d *DFS) StartRun() { d.depth = 0 }

// Choose implements Strategy.
func (d *DFS) Choose(dec Decision) int {
	if d.depth < len(d.stack) {
		n := &d.stack[d.depth]
		d.depth++
		id := n.options[n.next]
		for _, r := range dec.Runnable {
			if r == id {
				return id
			}
		}
		d.Diverged = true
		return dec.Default
	}
	pre := 0
	if d.depth > 0 {
		p := &d.stack[d.depth-1]
		pre = p.pre + p.preempts(p.next)
	}
	opts := make([]int, 0, len(dec.Runnable))
	opts = append(opts, dec.Default)
	for _, r := range dec.Runnable {
		if r != dec.Default {
			opts = append(opts, r)
		}
	}
	d.stack = append(d.stack, dfsNode{options: opts, cur: dec.Cur, pre: pre})
	d.depth++
	return dec.Default
}

// Next moves to the next schedule within the bound; false when every one
// has been run.
func (d *DFS) Next() bool {
	d.depth = 0
	for len(d.stack) > 0 {
		n := &d.stack[len(d.stack)-1]
		for n.next+1 < len(n.options) {
			n.next++
			if n.pre+n.preempts(n.next) <= d.bound {
				return true
			}
		}
		d.stack = d.stack[:len(d.stack)-1]
	}
	return false
}

// PCT is probabilistic concurrency testing (Burckhardt et al., ASPLOS
// 2010) with depth d: each thread gets a random priority when first seen,
// the highest-priority runnable thread always runs, and at d-1 decisions
// drawn at random from the run's expected length the running thread's
// priority drops below every other. A bug of depth d is found in each run
// with probability at least 1/(n·k^(d-1)). The run length k is learnt
// from the runs so far.
type PCT struct {
	rng     *rand.Rand
	depth   int
	k       int
	prio    map[int]int
	change  []int // decision numbers where the running thread's priority drops
	maxSeen int
}

// NewPCT returns PCT of depth (at least 1) seeded with seed.
func NewPCT(seed uint64, depth int) *PCT {
	if depth < 1 {
		depth = 1
	}
	return &PCT{rng: rand.New(rand.NewPCG(seed, 0x706374)), depth: depth, k: 16} // "pct"
}

// StartRun implements Starter: new priorities and change points.
func (p *PCT) StartRun() {
	p.k = max(p.k, p.maxSeen)
	p.prio = map[int]int{}
	p.change = p.change[:0]
	for range p.depth - 1 {
		p.change = append(p.change, p.rng.IntN(p.k))
	}
}

// Choose implements Strategy.
func (p *PCT) Choose(d Decision) int {
	if p.prio == nil {
		p.StartRun()
	}
	p.maxSeen = max(p.maxSeen, d.N+1)
	for _, id := range d.Runnable {
		if _, ok := p.prio[id]; !ok {
			p.prio[id] = p.depth + p.rng.IntN(1<<30)
		}
	}
	if d.Cur >= 0 {
		for i, c := range p.change {
			if c == d.N {
				p.prio[d.Cur] = p.depth - 1 - i
			}
		}
	}
	best := d.Runnable[0]
	for _, id := range d.Runnable[1:] {
		if p.prio[id] > p.prio[best] {
			best = id
		}
	}
	return best
}
