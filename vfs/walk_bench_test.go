package vfs_test

import (
	"strings"
	"testing"

	"github.com/inosim/inosim/sim"
	"github.com/inosim/inosim/vfs"
)

// BenchmarkWalk resolves a path of depth 1, 4 and 8 (path_lookupat), checks off.
func BenchmarkWalk(b *testing.B) {
	for _, depth := range []int{1, 4, 8} {
		b.Run(strings.Repeat("d", depth), func(b *testing.B) {
			k := sim.NewKernel(sim.WithChecks(false))
			t := k.NewTask(0, 0)
			p := ""
			for i := 0; i < depth; i++ {
				p += "/d"
				if err := t.Mkdir(p, 0o755); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				path, err := k.VFS().Walk(t.Ctx(), p, vfs.LOOKUP_FOLLOW)
				if err != nil {
					b.Fatal(err)
				}
				path.Put(t.Cur())
			}
		})
	}
}
