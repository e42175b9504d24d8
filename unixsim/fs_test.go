package unixsim_test

import (
	"testing"
	"testing/fstest"

	"github.com/inosim/inosim/simtest"
	"github.com/inosim/inosim/unixsim"
)

// TestFS: the io/fs view of a populated tree passes testing/fstest.TestFS,
// on both kernels.
func TestFS(t *testing.T) {
	simtest.OnBoth(t, func(t *testing.T, s simtest.System) {
		sys, root := s.Sys, s.Root
		for _, d := range []string{"a", "a/b", "a/b/c", "empty"} {
			must(t, sys.Mkdir(root+"/"+d, 0o755))
		}
		files := map[string]string{"f": "hello\n", "a/g": "", "a/b/h": "data data", "a/b/c/i": "x"}
		for name, data := range files {
			creat(t, sys, root+"/"+name, data)
		}
		must(t, sys.Link(root+"/f", root+"/a/f-link"))
		must(t, sys.Symlink("../f", root+"/a/sym"))
		if err := fstest.TestFS(unixsim.FS(sys, root), "f", "a/g", "a/b/h", "a/b/c/i", "a/f-link", "empty", "a/sym"); err != nil {
			t.Fatal(err)
		}
	})
}
