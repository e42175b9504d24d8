package recwatch_test

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
	"pgregory.net/rapid"

	"github.com/inosim/inosim/scenario"
	"github.com/inosim/inosim/sim"
	"github.com/inosim/inosim/simtest"
	"github.com/inosim/inosim/unixsim"
	"github.com/inosim/inosim/watchgen"
	"github.com/inosim/inosim/watchgen/recwatch"
)

var update = flag.Bool("recwatch.update", false, "rewrite testdata/*.scen from the bug searches")

// tree lists what is really under root, as View does.
func tree(sys unixsim.Sys, root, rel string, out *[]string) {
	fd, err := sys.Open(root+rel, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return
	}
	var names []string
	buf := make([]byte, 8192)
	for {
		n, err := sys.Getdents(fd, buf)
		if err != nil || n == 0 {
			break
		}
		_, _, names = unix.ParseDirent(buf[:n], -1, names)
	}
	sys.Close(fd)
	for _, n := range names {
		p := rel + "/" + n
		var st unix.Stat_t
		if sys.Lstat(root+p, &st) != nil {
			continue
		}
		switch st.Mode & unix.S_IFMT {
		case unix.S_IFDIR:
			*out = append(*out, "d "+p[1:])
			tree(sys, root, p, out)
		case unix.S_IFREG:
			*out = append(*out, "f "+p[1:])
		case unix.S_IFLNK:
			*out = append(*out, "l "+p[1:])
		}
	}
}

// check is the consumer's property: after Sync the watcher's view is the
// tree, and every directory and file is watched by the wd it believes in
// (probed with IN_MASK_ADD, which returns the existing wd of a watched
// inode and a new one otherwise).
func check(sys unixsim.Sys, w *recwatch.Watcher, root string) error {
	if w.Err != nil {
		return nil // the watcher knows its view is incomplete (a limit)
	}
	var real []string
	tree(sys, root, "", &real)
	sort.Strings(real)
	view := w.View()
	if strings.Join(real, "\n") != strings.Join(view, "\n") {
		return fmt.Errorf("the watcher's view differs from the tree\ntree:\n\t%s\nview:\n\t%s",
			strings.Join(real, "\n\t"), strings.Join(view, "\n\t"))
	}
	for _, e := range real {
		if e[0] == 'l' {
			continue
		}
		p := root + "/" + e[2:]
		wd, err := sys.InotifyAddWatch(w.FD(), p, recwatch.Mask|unix.IN_MASK_ADD)
		if err != nil {
			continue // a limit
		}
		if wd != w.Watched(p) {
			return fmt.Errorf("%s: watched by wd %d, the watcher believes %d", e[2:], wd, w.Watched(p))
		}
	}
	return nil
}

// run plays s on sys under base with a watcher of base/w.
func run(sys unixsim.Sys, base string, s watchgen.Scenario, bugs recwatch.Bugs) error {
	for _, d := range []string{"/w", "/out"} {
		if err := sys.Mkdir(base+d, 0o755); err != nil {
			return err
		}
	}
	w, err := recwatch.New(sys, base+"/w", bugs)
	if errors.Is(err, unix.EMFILE) {
		return nil // max_user_instances
	}
	if err != nil {
		return err
	}
	defer w.Close()
	for _, c := range s.Calls {
		if c.Op == "sync" {
			if err := w.Sync(); err != nil {
				return err
			}
			if err := check(sys, w, base+"/w"); err != nil {
				return err
			}
			continue
		}
		watchgen.Apply(sys, base, c)
	}
	if err := w.Sync(); err != nil {
		return err
	}
	return check(sys, w, base+"/w")
}

// onSim runs s on a new simulated kernel with its limits; the kernel's
// checkers must find nothing.
func onSim(s watchgen.Scenario, bugs recwatch.Bugs) error {
	k := sim.NewKernel()
	for key, v := range map[string]int{"max_queued_events": s.MaxQueuedEvents,
		"max_user_watches": s.MaxUserWatches, "max_user_instances": s.MaxUserInstances} {
		if v > 0 {
			k.SetSysctl(key, int64(v))
		}
	}
	err := run(unixsim.New(k.NewTask(0, 0)), "", s, bugs)
	if p := k.Shutdown(); len(p) > 0 {
		return fmt.Errorf("kernel checkers: %s", strings.Join(p, "\n"))
	}
	return err
}

// TestCorrectWatcher: the watcher without bugs keeps up with random
// activity, overflow bursts against small queues and small watch and
// instance limits included.
func TestCorrectWatcher(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		s := watchgen.Draw(rt, watchgen.Options{QueueLimits: []int{0, 16, 4},
			WatchLimits: []int{0, 6}, InstanceLimits: []int{0, 1}})
		if err := onSim(s, recwatch.Bugs{}); err != nil {
			rt.Fatal(err)
		}
	})
}

// search draws scenarios until bugs make the watcher fail (at most 10,000
// checks), and returns the shrunk scenario and the check that first failed.
func search(t *testing.T, bugs recwatch.Bugs, seed string) (watchgen.Scenario, int) {
	for k, v := range map[string]string{"rapid.nofailfile": "true", "rapid.checks": "10000", "rapid.seed": seed, "rapid.shrinktime": "10m"} {
		f := flag.Lookup(k)
		old := f.Value.String()
		_ = f.Value.Set(v)
		defer func() { _ = f.Value.Set(old) }()
	}
	var last watchgen.Scenario
	checks, first := 0, 0
	rec := &simtest.Recorder{}
	rapid.Check(rec, func(rt *rapid.T) {
		checks++
		s := watchgen.Draw(rt, watchgen.Options{})
		if err := onSim(s, bugs); err != nil {
			if first == 0 {
				first = checks
			}
			last = s
			rt.Fatal(err)
		}
	})
	if !rec.Failed() {
		t.Fatalf("not found in 10,000 checks")
	}
	return last, first
}

// TestPlantedBugsFound: the generator finds each classic bug within
// 10,000 checks and shrinks it to at most 10 commands; the shrunk scenario
// fails with the bug and passes without it, on the simulator and on the
// host's kernel.
func TestPlantedBugsFound(t *testing.T) {
	for _, c := range []struct {
		name string
		bugs recwatch.Bugs
	}{
		{"move-without-rescan", recwatch.Bugs{MoveWithoutRescan: true}},
		{"keep-unpaired-moved-from", recwatch.Bugs{KeepUnpairedMovedFrom: true}},
		{"one-wd-one-path", recwatch.Bugs{OneWdOnePath: true}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, first := search(t, c.bugs, "1")
			t.Logf("found at check %d; shrunk to %d commands: %v", first, s.Commands(), s.Calls)
			if s.Commands() > 10 {
				t.Errorf("shrunk scenario has %d commands, want at most 10", s.Commands())
			}
			src := s.Scen("w", "out")
			if _, err := scenario.Parse(c.name+".scen", []byte(src)); err != nil {
				t.Errorf("the .scen does not parse: %v\n%s", err, src)
			}
			file := "testdata/" + c.name + ".scen"
			if *update {
				if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			simtest.OnBoth(t, func(t *testing.T, sys simtest.System) {
				base := sys.Root // an empty directory: w and out go in it
				if sys.Kernel != nil {
					// OnSim's root is /w: play under a fresh directory.
					base = "/play"
					if err := sys.Sys.Mkdir(base, 0o755); err != nil {
						t.Fatal(err)
					}
				}
				if err := run(sys.Sys, base, s, c.bugs); err == nil {
					t.Errorf("the shrunk scenario passes with the bug")
				} else {
					t.Logf("with the bug: %v", err)
				}
				if err := run(sys.Sys, base+"/clean", s, recwatch.Bugs{}); err != nil && !strings.Contains(err.Error(), "no such") {
					t.Errorf("without the bug: %v", err)
				}
			})
		})
	}
}

// TestSavedScenarios: the shrunk scenarios kept in testdata replay as
// written (their transcripts are the kernel's; rewrite them with
// -recwatch.update and inosim run).
func TestSavedScenarios(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.scen")
	simtest.CheckFiles(t, files, "go test -run TestPlantedBugsFound -recwatch.update, then inosim run FILE > FILE")
}
