package scenario_test

import (
	"fmt"

	"github.com/inosim/inosim/scenario"
	"github.com/inosim/inosim/uapi"
)

// An interpreter parses a scenario, executes f.Commands by Op, and hands
// one Outcome per command to Print, which writes the transcript.
func Example() {
	src := `# a rename, watched
mkdir /d
i = inotify_init
w = inotify_add_watch i /d IN_MOVE
creat /d/a
rename /d/a "/d/b c"
rmdir /d => ENOTEMPTY
read i
  w IN_CREATE stale   # an old result: replaced
fionread i => 99
`
	f, err := scenario.Parse("rename.scen", []byte(src))
	if err != nil {
		fmt.Println(err)
		return
	}
	outs := make([]scenario.Outcome, len(f.Commands))
	for i, c := range f.Commands {
		switch c.Op {
		case scenario.OpRmdir:
			outs[i].Err = "ENOTEMPTY"
		case scenario.OpRead:
			outs[i].Events = []scenario.Event{
				{Event: uapi.Event{Wd: 1, Mask: uapi.IN_MOVED_FROM, Cookie: 0x1234, Name: "a"}, WdName: "w"},
				{Event: uapi.Event{Wd: 1, Mask: uapi.IN_MOVED_TO, Cookie: 0x1234, Name: "b c"}, WdName: "w"},
			}
		case scenario.OpFionread:
			outs[i].Value, outs[i].HasValue = 0, true
		}
	}
	out := scenario.Print(f, outs)
	fmt.Print(out)
	fmt.Print(scenario.Diff("rename.scen", src, "run", out))
	// Output:
	// # a rename, watched
	// mkdir /d
	// i = inotify_init
	// w = inotify_add_watch i /d IN_MOVE
	// creat /d/a
	// rename /d/a "/d/b c"
	// rmdir /d => ENOTEMPTY
	// read i
	//   w IN_MOVED_FROM cookie=c1 a
	//   w IN_MOVED_TO cookie=c1 "b c"
	// fionread i => 0
	// --- rename.scen
	// +++ run
	// @@ -6,5 +6,6 @@
	//  rename /d/a "/d/b c"
	//  rmdir /d => ENOTEMPTY
	//  read i
	// -  w IN_CREATE stale   # an old result: replaced
	// -fionread i => 99
	// +  w IN_MOVED_FROM cookie=c1 a
	// +  w IN_MOVED_TO cookie=c1 "b c"
	// +fionread i => 0
}

// Parse errors read FILE:LINE:COL: message, one per line, up to ten.
func ExampleParse_errors() {
	_, err := scenario.Parse("bad.scen", []byte("mkdir /a 0999\nclose nosuch\n  w IN_CREATE\n"))
	fmt.Println(err)
	// Output:
	// bad.scen:1:10: bad mode 0999 (want octal)
	// bad.scen:2:7: undefined name nosuch
}
