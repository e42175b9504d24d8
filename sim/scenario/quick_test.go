package scenario

import "testing"

func TestSpecExample(t *testing.T) {
	src := `personality linux
mkdir /d
i = inotify_init IN_NONBLOCK
w = inotify_add_watch i /d IN_ALL_EVENTS
creat /d/a
rename /d/a /d/b
inotify_add_watch i /missing IN_CREATE => ENOENT
read i
  w IN_CREATE a
  w IN_OPEN a
  w IN_CLOSE_WRITE a
  w IN_MOVED_FROM cookie=c1 a
  w IN_MOVED_TO cookie=c1 b
fionread i => 0
`
	f, err := Parse("ex.scen", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	got := Print(f, f.ExpectedAll())
	if got != src {
		t.Errorf("fixed point broken:\n%s", Diff("want", src, "got", got))
	}
}
