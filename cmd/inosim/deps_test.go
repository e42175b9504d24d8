package main

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/inosim/inosim"

// simulatorPkgs are the packages of the simulator proper: what the
// scenario language, the host-kernel runner and the reference model must
// not link, so that they stay independent of the code they judge.
var simulatorPkgs = []string{
	"sim", "simrun", "simtest", "vfs", "inode", "dentry", "hooks", "inotify", "inotifydev",
	"fsnotify", "fsnotify/inotifyfs", "inotifyfem", "eventpoll", "internal/idr", "internal/sched",
	"internal/srcu", "internal/vmem", "internal/wait",
	"internal/lockdep", "internal/kref", "internal/personality",
}

// goList runs `go list` with args in the module, skipping t without a go
// command.
func goList(t *testing.T, args ...string) []string {
	t.Helper()
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command to run go list: %v", err)
	}
	out, err := exec.Command(goCmd, append([]string{"list"}, args...)...).Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("go list %s: %v\n%s", strings.Join(args, " "), err, stderr)
	}
	return strings.Fields(string(out))
}

// moduleDeps lists what pkg links of the module (itself excluded), as
// paths relative to the module, and whether it links "testing".
func moduleDeps(t *testing.T, pkg string) (deps []string, linksTesting bool) {
	t.Helper()
	for _, d := range goList(t, "-deps", module+"/"+pkg) {
		switch {
		case d == "testing":
			linksTesting = true
		case d == module+"/"+pkg:
		case strings.HasPrefix(d, module+"/"):
			deps = append(deps, strings.TrimPrefix(d, module+"/"))
		}
	}
	return deps, linksTesting
}

// TestLayering holds the import layering: the inosim binary links no
// "testing"; the scenario language links nothing of inosim but uapi; the
// host-kernel runner and the reference model link no part of the
// simulator; and of inosim's non-test packages only simtest imports
// "testing".
func TestLayering(t *testing.T) {
	if deps, linksTesting := moduleDeps(t, "cmd/inosim"); linksTesting {
		t.Errorf("cmd/inosim links testing (through one of %v)", deps)
	}
	deps, _ := moduleDeps(t, "scenario")
	t.Logf("scenario links %v", deps)
	for _, d := range deps {
		if d != "uapi" {
			t.Errorf("scenario links %s; it may link only uapi", d)
		}
	}
	for _, pkg := range []string{"hostkernel", "proptest/model"} {
		deps, _ := moduleDeps(t, pkg)
		t.Logf("%s links %v", pkg, deps)
		for _, d := range deps {
			if slices.Contains(simulatorPkgs, d) {
				t.Errorf("%s links the simulator's %s", pkg, d)
			}
		}
	}
	lines := goList(t, "-f", `{{.ImportPath}}:{{range .Imports}}{{if eq . "testing"}}testing{{end}}{{end}}`, module+"/...")
	for _, l := range lines {
		if pkg, imp, _ := strings.Cut(l, ":"); imp == "testing" && pkg != module+"/simtest" {
			t.Errorf("%s imports testing; test helpers belong in simtest", pkg)
		}
	}
}
