package inotify

import (
	"context"
	"testing"

	"github.com/inosim/inosim/internal/lockdep"
	"github.com/inosim/inosim/internal/personality"
	"github.com/inosim/inosim/uapi"
)

// BenchmarkQueueEvent offers events to a queue that is drained every 1024:
// "merge" offers the same event each time (coalesced against the tail),
// "nomerge" alternates two names so nothing merges.
func BenchmarkQueueEvent(b *testing.B) {
	for _, tc := range []struct {
		name  string
		names []string
	}{{"merge", []string{"a"}}, {"nomerge", []string{"a", "b"}}} {
		b.Run(tc.name, func(b *testing.B) {
			v := lockdep.NewValidator()
			v.SetEnabled(false)
			cur := v.NewTask("bench")
			q := NewQueue(personality.Linux2625, 16384, 1)
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				q.EvMutex.Lock(cur)
				q.QueueEventLocked(cur, 1, uapi.IN_MODIFY, 0, tc.names[i%len(tc.names)])
				q.EvMutex.Unlock(cur)
				if i%1024 == 1023 {
					q.Read(context.Background(), cur, 1<<20, true)
				}
			}
		})
	}
}

// BenchmarkRead measures read(2) of a queue of 64 named events: removal and
// encoding to the struct inotify_event ABI.
func BenchmarkRead(b *testing.B) {
	v := lockdep.NewValidator()
	v.SetEnabled(false)
	cur := v.NewTask("bench")
	q := NewQueue(personality.Linux2625, 16384, 1)
	names := []string{"a", "bb", "ccc", "dddd"}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		q.EvMutex.Lock(cur)
		for j := 0; j < 64; j++ {
			q.QueueEventLocked(cur, int32(j), uapi.IN_CREATE, 0, names[j%4])
		}
		q.EvMutex.Unlock(cur)
		b.StartTimer()
		if buf, _ := q.Read(context.Background(), cur, 1<<20, true); len(buf) != 64*32 {
			b.Fatalf("read %d bytes", len(buf))
		}
	}
}
