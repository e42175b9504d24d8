package inotify

import (
	"testing"

	"github.com/inosim/inosim/dentry"
	"github.com/inosim/inosim/inode"
	"github.com/inosim/inosim/internal/kref"
	"github.com/inosim/inosim/internal/lockdep"
	"github.com/inosim/inosim/internal/personality"
	"github.com/inosim/inosim/uapi"
)

type nopConsumer struct{}

func (nopConsumer) HandleEvent(cur *lockdep.Task, w *InotifyWatch, wd int32, mask uapi.Mask, cookie uint32, name string) {
	if mask&uapi.IN_IGNORED != 0 {
		PutInotifyWatch(cur, w)
	}
}
func (nopConsumer) DestroyWatch(*lockdep.Task, *InotifyWatch) {}

// watched returns a handle with n watches on n distinct inodes, checks off.
func watched(b *testing.B, n int) (*lockdep.Task, *Inotify, *InotifyHandle, []*inode.Inode) {
	v := lockdep.NewValidator()
	v.SetEnabled(false)
	refs := kref.NewTracker()
	refs.SetEnabled(false)
	cur := v.NewTask("bench")
	c := inode.NewIcache(refs)
	sb := inode.NewSuperBlock(c, 1, nil)
	env := New(personality.Linux2625, dentry.NewDcache(refs, nil), refs)
	ih := env.InotifyInit(nopConsumer{})
	inos := make([]*inode.Inode, n)
	for i := range inos {
		inos[i] = inode.New(cur, sb, inode.S_IFREG|0o644, 0, 0, 0)
		if _, err := ih.AddWatch(cur, &InotifyWatch{}, inos[i], uapi.IN_MODIFY); err != nil {
			b.Fatal(err)
		}
	}
	return cur, env, ih, inos
}

var scales = []struct {
	name string
	n    int
}{{"1e3", 1e3}, {"1e4", 1e4}, {"1e5", 1e5}, {"1e6", 1e6}}

// BenchmarkInodeQueueEventScale: queueing an event on one watched inode
// costs the same whatever the number of other live watches (64 hot inodes
// among n, so the figure is the algorithm, not the cache misses of
// touching all n).
func BenchmarkInodeQueueEventScale(b *testing.B) {
	for _, s := range scales {
		b.Run(s.name, func(b *testing.B) {
			cur, env, _, inos := watched(b, s.n)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				env.InodeQueueEvent(cur, inos[i%64], uapi.IN_MODIFY, 0, "")
			}
		})
	}
}

// BenchmarkWdLookupScale: idr_find among n live wds.
func BenchmarkWdLookupScale(b *testing.B) {
	for _, s := range scales {
		b.Run(s.name, func(b *testing.B) {
			cur, _, ih, _ := watched(b, s.n)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, ok := ih.Find(cur, int32(1+i%s.n)); !ok {
					b.Fatal("wd not found")
				}
			}
		})
	}
}
