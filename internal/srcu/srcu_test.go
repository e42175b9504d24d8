package srcu_test

import (
	"sync"
	"testing"

	"github.com/inosim/inosim/internal/lockdep"
	"github.com/inosim/inosim/internal/srcu"
)

// TestSynchronizeWaitsForEarlierReaders: a synchronize that starts while a
// reader is inside returns only after that reader leaves; a reader that
// enters after the synchronize began is not waited for.
func TestSynchronizeWaitsForEarlierReaders(t *testing.T) {
	v := lockdep.NewValidator()
	var s srcu.Struct
	s.Init(lockdep.NewClass("test_srcu"))
	reader := v.NewTask("task/reader")
	late := v.NewTask("task/late")
	writer := v.NewTask("task/writer")

	var (
		mu  sync.Mutex
		log []string
	)
	note := func(s string) { mu.Lock(); log = append(log, s); mu.Unlock() }

	idx := s.ReadLock(reader)
	waiting := make(chan struct{})
	s.SetWaitHook(func() { close(waiting) })
	done := make(chan struct{})
	go func() {
		s.Synchronize(writer)
		note("synchronized")
		close(done)
	}()
	<-waiting
	lateIdx := s.ReadLock(late) // after the flip: not waited for
	note("reader leaves")
	s.ReadUnlock(reader, idx)
	<-done
	s.ReadUnlock(late, lateIdx)
	if got := log; len(got) != 2 || got[0] != "reader leaves" || got[1] != "synchronized" {
		t.Errorf("order %v", got)
	}
	if s.ReadLockHeld(writer) {
		t.Error("the writer is inside a section")
	}
	for _, r := range v.Reports() {
		t.Error(r)
	}
}

// TestSynchronizeWithoutReaders returns at once, many times over.
func TestSynchronizeWithoutReaders(t *testing.T) {
	v := lockdep.NewValidator()
	var s srcu.Struct
	s.Init(lockdep.NewClass("test_srcu"))
	cur := v.NewTask("task/1")
	for i := 0; i < 5; i++ {
		idx := s.ReadLock(cur)
		s.ReadUnlock(cur, idx)
		s.Synchronize(cur)
	}
	for _, r := range v.Reports() {
		t.Error(r)
	}
}

// TestConcurrentReadersAndWriters: many readers and writers at once (run
// with -race): every synchronize returns, nothing is reported.
func TestConcurrentReadersAndWriters(t *testing.T) {
	v := lockdep.NewValidator()
	var s srcu.Struct
	s.Init(lockdep.NewClass("test_srcu"))
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			cur := v.NewTask("task")
			for i := 0; i < 300; i++ {
				if (i+g)%5 == 0 {
					s.Synchronize(cur)
					continue
				}
				idx := s.ReadLock(cur)
				s.ReadUnlock(cur, idx)
			}
		}(g)
	}
	wg.Wait()
	for _, r := range v.Reports() {
		t.Error(r)
	}
}
