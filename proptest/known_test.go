package proptest

import (
	"github.com/google/go-cmp/cmp"

	"github.com/inosim/inosim/internal/personality"
	"github.com/inosim/inosim/proptest/model"
	"github.com/inosim/inosim/sim"
	"github.com/inosim/inosim/simrun"
)

// knownSimBugs are simulator bugs found by these tests and reported, each
// kept as a regression scenario under sim/testdata. Until they are fixed a
// step that differs only in the way a known bug explains is not counted as
// a new difference (each excuse is as narrow as the bug).
var knownSimBugs = []struct {
	file  string
	match func(line string, mod, sim []call) bool
}{
	// 01-07 are fixed; none is open.
}

func knownSimBug(line string, mod, sim []call) string {
	for _, b := range knownSimBugs {
		if b.match(line, mod, sim) {
			return b.file
		}
	}
	return ""
}

// onlyKnownSimBugs replays lines on the simulator and the model step by
// step and reports whether every difference is a known simulator bug.
func onlyKnownSimBugs(lines []string, p *personality.P) bool {
	k := sim.NewKernel(sim.WithPersonality(p))
	simS := newSession(simrun.NewMachine(k, k.NewTask(0, 0)), nil)
	modS := newSession(model.New(), nil)
	defer func() {
		simS.stop()
		modS.stop()
		k.Shutdown()
	}()
	sl, ml := labeler{}, labeler{}
	for _, line := range lines {
		sc, err1 := stepLine(simS, line)
		mc, err2 := stepLine(modS, line)
		if err1 != nil || err2 != nil {
			return false
		}
		if !cmp.Equal(ml.calls(mc), sl.calls(sc)) && knownSimBug(line, mc, sc) == "" {
			return false
		}
	}
	return true
}
