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
