package sched_test

import (
	"context"
	"strings"
	"testing"

	"github.com/inosim/inosim/internal/kref"
	"github.com/inosim/inosim/internal/lockdep"
	"github.com/inosim/inosim/internal/sched"
)

var (
	classA = lockdep.NewClass("test-sched-A")
	classB = lockdep.NewClass("test-sched-B")
)

// abba runs two threads, one taking A then B, the other B then A (each
// getting and putting a reference in between), under st, and returns the
// deadlock (nil if none), the schedule's token, the order the threads got
// through, and the validator.
func abba(st sched.Strategy) (*sched.Deadlock, string, string, *lockdep.Validator) {
	v := lockdep.NewValidator()
	tr := kref.NewTracker()
	s := sched.New(st)
	tr.SetHook(s)
	var a, b lockdep.Mutex
	a.Init(classA, 1)
	b.Init(classB, 2)
	var ref kref.Ref
	ref.Init(tr, "obj", 1, 1)
	var order strings.Builder
	body := func(cur *lockdep.Task, x, y *lockdep.Mutex, name string) func() {
		return func() {
			x.Lock(cur)
			ref.Get()
			y.Lock(cur)
			order.WriteString(name)
			y.Unlock(cur)
			ref.Put()
			x.Unlock(cur)
		}
	}
	c1, c2 := v.NewTask("task/1"), v.NewTask("task/2")
	s.Go(s.Attach(c1), body(c1, &a, &b, "1"))
	s.Go(s.Attach(c2), body(c2, &b, &a, "2"))
	d := s.Run()
	return d, s.Token(), order.String(), v
}

// TestRandomFindsABBA: random walks over the ABBA pair find both
// outcomes; each schedule's token replays to the same outcome; a seed
// gives the same sequence of outcomes every time.
func TestRandomFindsABBA(t *testing.T) {
	seen := map[string]string{}
	var first []string
	for run := 0; run < 2; run++ {
		rnd := sched.NewRandom(7)
		var outs []string
		for i := 0; i < 40; i++ {
			d, tok, order, _ := abba(rnd)
			out := order
			if d != nil {
				out = "deadlock"
			}
			outs = append(outs, out+" "+tok)
			seen[out] = tok
		}
		if run == 0 {
			first = outs
		} else if strings.Join(first, ",") != strings.Join(outs, ",") {
			t.Fatalf("seed 7 gave\n%v\nthen\n%v", first, outs)
		}
	}
	if seen["deadlock"] == "" || seen["12"] == "" && seen["21"] == "" {
		t.Fatalf("outcomes %v: want a deadlock and a completion", seen)
	}
	for out, tok := range seen {
		sw, err := sched.ParseToken(tok)
		if err != nil {
			t.Fatal(err)
		}
		rp := sched.NewReplay(sw)
		d, tok2, order, v := abba(rp)
		got := order
		if d != nil {
			got = "deadlock"
		}
		if got != out || tok2 != tok || rp.Finish() != "" {
			t.Errorf("token %s: replayed %s (%s, %q), want %s", tok, got, tok2, rp.Finish(), out)
		}
		if d != nil {
			text := d.String()
			for _, want := range []string{"WARNING: deadlock: every task is blocked",
				"task/1 is blocked trying to acquire lock:\n  (test-sched-B#2)", "which is held by task/2.",
				"task/2 is blocked trying to acquire lock:\n  (test-sched-A#1)", "1 lock held by task/1:",
				"*** DEADLOCK ***"} {
				if !strings.Contains(text, want) {
					t.Errorf("deadlock report lacks %q:\n%s", want, text)
				}
			}
			circ := false
			for _, r := range v.Reports() {
				circ = circ || r.Kind == lockdep.Circular
			}
			if !circ {
				t.Errorf("no circular dependency report beside the deadlock")
			}
			t.Logf("\n%s", text)
		}
	}
}

// TestDefaultScheduleRunsInOrder: without a strategy each thread runs to
// its end before the next starts: no deadlock, thread 0 first.
func TestDefaultScheduleRunsInOrder(t *testing.T) {
	d, tok, order, _ := abba(nil)
	if d != nil || tok != "s" || order != "12" {
		t.Fatalf("default schedule: %v %q %q", d, tok, order)
	}
}

// TestWaitQueue: a thread sleeping on a queue runs again after a wake-up
// by another; with nobody to wake it, the run ends in a deadlock report
// that names the queue.
func TestWaitQueue(t *testing.T) {
	for _, wake := range []bool{true, false} {
		v := lockdep.NewValidator()
		s := sched.New(sched.NewRandom(1))
		var mu lockdep.Mutex
		mu.Init(classA, 9)
		var q sched.WaitQueue
		q.Init("test->wq", &mu)
		flag := false
		c1, c2 := v.NewTask("task/1"), v.NewTask("task/2")
		got := ""
		s.Go(s.Attach(c1), func() {
			for {
				mu.Lock(c1)
				if flag {
					mu.Unlock(c1)
					got = "woken"
					return
				}
				w := q.Prepare(c1)
				mu.Unlock(c1)
				w.Sleep(context.Background(), c1)
				mu.Lock(c1)
				q.Finish(c1, w)
				mu.Unlock(c1)
			}
		})
		s.Go(s.Attach(c2), func() {
			if !wake {
				return
			}
			mu.Lock(c2)
			flag = true
			q.WakeUp(c2)
			mu.Unlock(c2)
		})
		d := s.Run()
		if wake && (d != nil || got != "woken") {
			t.Fatalf("with a wake-up: %v %q", d, got)
		}
		if !wake && (d == nil || !strings.Contains(d.String(), "task/1 is sleeping on test->wq")) {
			t.Fatalf("without a wake-up: %v", d)
		}
	}
}

// TestWaitQueueUnscheduled: without a scheduler the queue is a channel and
// a cancelled context interrupts the sleep.
func TestWaitQueueUnscheduled(t *testing.T) {
	v := lockdep.NewValidator()
	cur := v.NewTask("task/1")
	var mu lockdep.Mutex
	mu.Init(classA, 4)
	var q sched.WaitQueue
	q.Init("test->wq", &mu)
	mu.Lock(cur)
	w := q.Prepare(cur)
	mu.Unlock(cur)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if !w.Sleep(ctx, cur) {
		t.Fatal("a cancelled sleep was not interrupted")
	}
	mu.Lock(cur)
	q.Finish(cur, w)
	w = q.Prepare(cur)
	q.WakeUp(cur)
	mu.Unlock(cur)
	if w.Sleep(context.Background(), cur) {
		t.Fatal("a woken sleep was interrupted")
	}
	mu.Lock(cur)
	q.Finish(cur, w)
	mu.Unlock(cur)
}

// TestKthreadStartedMidRun: a thread started by a running thread is
// scheduled like the others.
func TestKthreadStartedMidRun(t *testing.T) {
	v := lockdep.NewValidator()
	s := sched.New(sched.NewRandom(3))
	c1, kc := v.NewTask("task/1"), v.NewTask("kworker/0")
	kt := s.Attach(kc)
	var mu lockdep.Mutex
	mu.Init(classA, 3)
	n := 0
	s.Go(s.Attach(c1), func() {
		s.Go(kt, func() { mu.Lock(kc); n++; mu.Unlock(kc) })
		mu.Lock(c1)
		n++
		mu.Unlock(c1)
	})
	if d := s.Run(); d != nil || n != 2 {
		t.Fatalf("%v n=%d", d, n)
	}
}
func TestTokenRoundTrip(t *testing.T) {
	for _, sw := range [][]sched.Switch{nil, {{At: 0, Thread: 1}}, {{At: 3, Thread: 1}, {At: 5, Thread: 0}, {At: 100, Thread: 30}}} {
		tok := sched.Token(sw)
		got, err := sched.ParseToken(tok)
		if err != nil || len(got) != len(sw) {
			t.Fatalf("%v -> %q -> %v, %v", sw, tok, got, err)
		}
		for i := range sw {
			if got[i] != sw[i] {
				t.Fatalf("%v -> %q -> %v", sw, tok, got)
			}
		}
	}
	if tok := sched.Token([]sched.Switch{{At: 3, Thread: 1}, {At: 5, Thread: 0}}); tok != "s3b2a" {
		t.Errorf("token %q, want s3b2a", tok)
	}
	for _, bad := range []string{"", "x", "s3", "sb", "s3b0a", "s3!"} {
		if _, err := sched.ParseToken(bad); err == nil {
			t.Errorf("ParseToken(%q) accepted", bad)
		}
	}
}
