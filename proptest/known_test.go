package proptest

import "strings"

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
}

func knownSimBug(line string, mod, sim []call) string {
	for _, b := range knownSimBugs {
		if b.match(line, mod, sim) {
			return b.file
		}
	}
	return ""
}
