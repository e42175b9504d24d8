package proptest

import (
	"strings"

	"github.com/google/go-cmp/cmp"

	"github.com/inosim/inosim/internal/personality"
	"github.com/inosim/inosim/proptest/model"
	"github.com/inosim/inosim/sim"
)

// knownSimBugs are simulator bugs found by these tests and reported, each
// kept as a regression scenario under sim/testdata. Until they are fixed a
// step that differs only in the way a known bug explains is not counted as
// a new difference (each excuse is as narrow as the bug).
var knownSimBugs = []struct {
	file  string
	match func(line string, mod, sim []call) bool
}{
	{"sim/testdata/01-mount-lookup-before-eperm.scen", func(line string, mod, sim []call) bool {
		// The simulator checks may_mount before the lookup.
		if !strings.HasPrefix(line, "mount ") && !strings.HasPrefix(line, "umount ") {
			return false
		}
		return len(mod) == 1 && len(sim) == 1 && sim[0].Err == "EPERM" && mod[0].Err != "" && mod[0].Err != "EPERM"
	}},
	{"sim/testdata/02-search-permission-before-name.scen", func(line string, mod, sim []call) bool {
		// The simulator looks the last name up before checking search
		// permission on its parent.
		return len(mod) == 1 && len(sim) == 1 && mod[0].Err == "EACCES" && (sim[0].Err == "ENOENT" || sim[0].Err == "EEXIST" || sim[0].Err == "EISDIR" || sim[0].Err == "ENOTDIR")
	}},
	{"sim/testdata/03-link-protected-hardlinks-first.scen", func(line string, mod, sim []call) bool {
		// The simulator checks may_create before may_linkat.
		return strings.HasPrefix(line, "link ") && len(mod) == 1 && len(sim) == 1 && mod[0].Err == "EPERM" && sim[0].Err == "EACCES"
	}},
	{"sim/testdata/04-sticky-before-type.scen", func(line string, mod, sim []call) bool {
		// The simulator checks the victim's type before the sticky bit.
		return len(mod) == 1 && len(sim) == 1 && mod[0].Err == "EPERM" && (sim[0].Err == "EISDIR" || sim[0].Err == "ENOTDIR")
	}},
	{"sim/testdata/05-ftruncate-length-before-fd.scen", func(line string, mod, sim []call) bool {
		// The simulator checks the fd before the length.
		return strings.HasPrefix(line, "ftruncate ") && len(mod) == 1 && len(sim) == 1 && mod[0].Err == "EINVAL" && sim[0].Err == "EBADF"
	}},
	{"sim/testdata/06-open-excl-root-eexist.scen", func(line string, mod, sim []call) bool {
		// open("/", O_CREAT|O_EXCL): the simulator says EISDIR.
		return strings.Contains(line, "O_EXCL") && len(mod) == 1 && len(sim) == 1 && mod[0].Err == "EEXIST" && sim[0].Err == "EISDIR"
	}},
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
	simS := newSession(&simMachine{k: k, t: k.NewTask(0, 0)}, nil)
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
