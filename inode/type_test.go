package inode_test

import (
	"sync"
	"testing"

	"github.com/inosim/inosim/inode"
	"github.com/inosim/inosim/internal/kref"
	"github.com/inosim/inosim/internal/lockdep"
)

// TestTypeDoesNotReadMode checks, under -race, that Type, IsDir and the
// lockless attribute reads of the path walk may be called without i_mutex
// while chmod and chown rewrite the mode and owner under it.
func TestTypeDoesNotReadMode(t *testing.T) {
	v := lockdep.NewValidator()
	cur := v.NewTask("t")
	sb := inode.NewSuperBlock(inode.NewIcache(kref.NewTracker()), 1, nil)
	ino := inode.New(cur, sb, inode.S_IFDIR|0o755, 0, 0, 1)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		c := v.NewTask("chmod")
		for i := range 100 {
			ino.IMutex.Lock(c)
			ino.SetPerm(c, uint32(i)&0o777)
			ino.SetUid(c, uint32(i))
			ino.SetGid(c, uint32(i))
			ino.IMutex.Unlock(c)
		}
	}()
	for range 100 {
		if !ino.IsDir() || ino.Type() != inode.S_IFDIR || ino.Mode()&inode.S_IFMT != inode.S_IFDIR {
			t.Fatal("type changed")
		}
		_, _ = ino.Uid(), ino.Gid()
	}
	wg.Wait()
}
