package proptest

import (
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"strings"

	"github.com/inosim/inosim/internal/personality"
	"github.com/inosim/inosim/proptest/model"
	"github.com/inosim/inosim/scenario"
	"github.com/inosim/inosim/sim"
	"github.com/inosim/inosim/simrun"
	"github.com/inosim/inosim/uapi"
)

// labeler replaces cookie values by labels in order of first appearance on
// one side, so that two machines' cookies compare by equality only.
type labeler map[uint32]uint32

func (l labeler) events(evs []uapi.Event) []uapi.Event {
	out := make([]uapi.Event, len(evs))
	for i, e := range evs {
		if e.Cookie != 0 {
			v, ok := l[e.Cookie]
			if !ok {
				v = uint32(len(l) + 1)
				l[e.Cookie] = v
			}
			e.Cookie = v
		}
		out[i] = e
	}
	return out
}

func (l labeler) calls(cs []call) []call {
	out := make([]call, len(cs))
	for i, c := range cs {
		c.Events = l.events(c.Events)
		if c.Err != "" {
			c.Ret = 0 // what a failed call returns besides the errno does not matter
		}
		out[i] = c
	}
	return out
}

// scenarioText is a generated scenario as a file.
func scenarioText(header string, lines []string) string {
	var b strings.Builder
	b.WriteString(header)
	for _, l := range lines {
		b.WriteString(l + "\n")
	}
	return b.String()
}

// transcripts runs src on the simulator (with personality p) and on the
// model and returns both transcripts and the simulator's checker problems.
func transcripts(src string, p *personality.P) (simT, modelT string, problems []string, err error) {
	f, err := scenario.Parse("gen.scen", []byte(src))
	if err != nil {
		return "", "", nil, err
	}
	res, err := simrun.Run(f, simrun.Options{Kernel: []sim.Option{sim.WithPersonality(p)}})
	if err != nil {
		return "", "", nil, err
	}
	mouts := scenario.Run(f, model.New())
	return scenario.Print(f, res.Outcomes), scenario.Print(f, mouts), res.Problems, nil
}

// countCommands counts the command lines of a scenario (sysctl headers
// included: each is a step).
func countCommands(src string) int {
	n := 0
	for _, l := range strings.Split(src, "\n") {
		if l != "" && !strings.HasPrefix(l, "#") && !strings.HasPrefix(l, " ") {
			n++
		}
	}
	return n
}

// writeFailure saves a (shrunk) failing scenario under testdata/failures,
// named by kind and a hash of its text, and returns the path.
func writeFailure(kind, text string) string {
	h := fnv.New64a()
	h.Write([]byte(text))
	dir := filepath.Join("testdata", "failures")
	_ = os.MkdirAll(dir, 0o755)
	p := filepath.Join(dir, fmt.Sprintf("%s-%016x.scen", kind, h.Sum64()))
	_ = os.WriteFile(p, []byte(text), 0o644)
	return p
}
