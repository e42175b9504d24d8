// Package bench holds inosim's standard workloads, written once against a
// small file-system interface and run on the simulator (in process) and on
// the host kernel (raw system calls in the scenario sandbox: a tmpfs in a
// private mount namespace), so the two are measured side by side in one
// run. `inosim bench` prints the results; docs/performance.md discusses
// them.
package bench

import (
	"encoding/binary"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/inosim/inosim/uapi"
)

// FS is what a workload calls: a few system calls, on either machine.
type FS interface {
	Mkdir(path string, mode uint32) error
	Open(path string, flags int, mode uint32) (int, error)
	Write(fd int, b []byte) (int, error)
	Close(fd int) error
	Rename(oldpath, newpath string) error
	Unlink(path string) error
	Chmod(path string, mode uint32) error
	InotifyInit1(flags int) (int, error)
	InotifyAddWatch(fd int, path string, mask uint32) (int, error)
	// ReadEvents makes one non-blocking read of up to 64 KiB from an
	// inotify fd and returns how many events it held (0 when empty).
	ReadEvents(fd int) (int, error)
	// Mem reports heap bytes in use after a collection (simulator only;
	// -1 on the kernel).
	Mem() int64
}

const drainEach = 64 // operations between drains (churn, fanout)

// Result is one workload's measurement on one machine.
type Result struct {
	Ops     int           // operations timed
	Events  int           // events read back
	Elapsed time.Duration // of the timed part
	// Extra are workload-specific figures (add_watch_per_s,
	// bytes_per_watch, bytes_per_event, ...).
	Extra map[string]float64
}

// OpsPerSec is Ops per second of Elapsed.
func (r Result) OpsPerSec() float64 { return float64(r.Ops) / r.Elapsed.Seconds() }

// EventsPerSec is Events per second of Elapsed.
func (r Result) EventsPerSec() float64 { return float64(r.Events) / r.Elapsed.Seconds() }

// Median runs measure n times and returns the run with the median ops/s:
// a virtual machine's single runs vary by ±15%, the median much less.
func Median(n int, measure func() (Result, error)) (Result, error) {
	rs := make([]Result, 0, n)
	for i := 0; i < n; i++ {
		r, err := measure()
		if err != nil {
			return r, err
		}
		rs = append(rs, r)
	}
	sort.Slice(rs, func(i, j int) bool { return rs[i].OpsPerSec() < rs[j].OpsPerSec() })
	return rs[len(rs)/2], nil
}

// Workload is a named workload of size n.
type Workload struct {
	Name string
	Doc  string
	Run  func(fs FS, n int) (Result, error)
	// DefaultN is the size used when none is given; SimScale multiplies
	// it for the simulator with checks off (wide: 10x, as in the issue).
	DefaultN int
	SimScale int
	// Churn is the number of instances for a churn-shaped workload
	// (startChurn), 0 for the others: CompareBackends runs only these.
	Churn int
}

// Workloads are the standard workloads, in order.
var Workloads = []Workload{
	{"churn", "one instance watching a directory with IN_ALL_EVENTS; creat, write, close, rename, unlink; drain every 64 operations", Churn, 20000, 1, 1},
	{"fanout", "64 instances watching the same directory; the same churn", Fanout, 2000, 1, 64},
	{"wide", "add watches on n files, then touch a few", Wide, 100000, 10, 0},
	{"overflow", "a reader that never reads: events until overflow, then drain", Overflow, 20000, 1, 0},
}

// Lookup finds a workload by name.
func Lookup(name string) (Workload, error) {
	var names []string
	for _, w := range Workloads {
		if w.Name == name {
			return w, nil
		}
		names = append(names, w.Name)
	}
	return Workload{}, fmt.Errorf("unknown workload %q (known: %s)", name, strings.Join(names, ", "))
}

func drain(fs FS, fds []int) (int, error) {
	total := 0
	for _, fd := range fds {
		for {
			n, err := fs.ReadEvents(fd)
			if err != nil {
				return total, err
			}
			if n == 0 {
				break
			}
			total += n
		}
	}
	return total, nil
}

// churner is the churn workload cut into rounds, so that several machines
// can run it in turns (CompareBackends): each round is creat, write,
// close, rename, unlink of one file in a watched directory, with every
// instance drained each drainEach operations.
type churner struct {
	fs   FS
	fds  []int
	data []byte
	r    Result // Ops and Events so far; Elapsed is the caller's
}

// startChurn makes the watched directory and the instances (untimed).
func startChurn(fs FS, instances int) (*churner, error) {
	if err := fs.Mkdir("/d", 0o755); err != nil {
		return nil, err
	}
	c := &churner{fs: fs, data: []byte("hello")}
	for i := 0; i < instances; i++ {
		fd, err := fs.InotifyInit1(uapi.IN_NONBLOCK)
		if err != nil {
			return nil, err
		}
		if _, err := fs.InotifyAddWatch(fd, "/d", uint32(uapi.IN_ALL_EVENTS)); err != nil {
			return nil, err
		}
		c.fds = append(c.fds, fd)
	}
	return c, nil
}

// rounds runs n rounds.
func (c *churner) rounds(n int) error {
	fs := c.fs
	for i := 0; i < n; i++ {
		fd, err := fs.Open("/d/a", uapi.O_CREAT|uapi.O_WRONLY|uapi.O_TRUNC, 0o644)
		if err != nil {
			return err
		}
		if _, err := fs.Write(fd, c.data); err != nil {
			return err
		}
		if err := fs.Close(fd); err != nil {
			return err
		}
		if err := fs.Rename("/d/a", "/d/b"); err != nil {
			return err
		}
		if err := fs.Unlink("/d/b"); err != nil {
			return err
		}
		c.r.Ops += 5
		if c.r.Ops%drainEach < 5 {
			ev, err := drain(fs, c.fds)
			c.r.Events += ev
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// drain reads what is left, as the end of the timed part.
func (c *churner) drain() error {
	ev, err := drain(c.fs, c.fds)
	c.r.Events += ev
	return err
}

// finish closes the instances (untimed) and returns the counts.
func (c *churner) finish() Result {
	for _, fd := range c.fds {
		c.fs.Close(fd)
	}
	return c.r
}

func churn(fs FS, n, instances int) (Result, error) {
	c, err := startChurn(fs, instances)
	if err != nil {
		return Result{}, err
	}
	start := time.Now()
	err = c.rounds(n)
	if err == nil {
		err = c.drain()
	}
	elapsed := time.Since(start)
	r := c.finish()
	r.Elapsed = elapsed
	return r, err
}

// Churn is the churn workload: n rounds of five operations.
func Churn(fs FS, n int) (Result, error) { return churn(fs, n, 1) }

// Fanout is churn with 64 instances watching the same directory.
func Fanout(fs FS, n int) (Result, error) { return churn(fs, n, 64) }

// Wide adds watches on n files (the timed part is the add_watch calls),
// then changes ten of them and reads their events.
func Wide(fs FS, n int) (Result, error) {
	if err := fs.Mkdir("/w", 0o755); err != nil {
		return Result{}, err
	}
	for i := 0; i < n; i++ {
		fd, err := fs.Open(fmt.Sprintf("/w/f%d", i), uapi.O_CREAT|uapi.O_WRONLY, 0o644)
		if err != nil {
			return Result{}, err
		}
		fs.Close(fd)
	}
	ifd, err := fs.InotifyInit1(uapi.IN_NONBLOCK)
	if err != nil {
		return Result{}, err
	}
	before := fs.Mem()
	var r Result
	start := time.Now()
	for i := 0; i < n; i++ {
		if _, err := fs.InotifyAddWatch(ifd, fmt.Sprintf("/w/f%d", i), uint32(uapi.IN_ATTRIB)); err != nil {
			return r, fmt.Errorf("watch %d: %w", i, err)
		}
	}
	r.Elapsed = time.Since(start)
	r.Ops = n
	r.Extra = map[string]float64{"add_watch_per_s": float64(n) / r.Elapsed.Seconds()}
	if after := fs.Mem(); before >= 0 && after >= 0 {
		r.Extra["bytes_per_watch"] = float64(after-before) / float64(n)
	}
	t := time.Now()
	for i := 0; i < 10; i++ {
		fs.Chmod(fmt.Sprintf("/w/f%d", i*(n/10)), 0o600)
	}
	r.Events, err = drain(fs, []int{ifd})
	r.Extra["touch_10_us"] = float64(time.Since(t).Microseconds())
	fs.Close(ifd)
	return r, err
}

// Overflow changes n files under a watched directory without reading (so
// the queue fills to max_queued_events and overflows), then drains it.
func Overflow(fs FS, n int) (Result, error) {
	if err := fs.Mkdir("/o", 0o755); err != nil {
		return Result{}, err
	}
	names := make([]string, 256)
	for i := range names {
		names[i] = fmt.Sprintf("/o/f%d", i)
		fd, err := fs.Open(names[i], uapi.O_CREAT|uapi.O_WRONLY, 0o644)
		if err != nil {
			return Result{}, err
		}
		fs.Close(fd)
	}
	ifd, err := fs.InotifyInit1(uapi.IN_NONBLOCK)
	if err != nil {
		return Result{}, err
	}
	if _, err := fs.InotifyAddWatch(ifd, "/o", uint32(uapi.IN_ATTRIB)); err != nil {
		return Result{}, err
	}
	before := fs.Mem()
	var r Result
	start := time.Now()
	for i := 0; i < n; i++ {
		if err := fs.Chmod(names[i%len(names)], 0o600|uint32(i&1)<<2); err != nil {
			return r, err
		}
	}
	r.Ops = n
	r.Elapsed = time.Since(start)
	r.Extra = map[string]float64{}
	full := fs.Mem()
	t := time.Now()
	r.Events, err = drain(fs, []int{ifd})
	r.Extra["drain_events_per_s"] = float64(r.Events) / time.Since(t).Seconds()
	if before >= 0 && full >= 0 && r.Events > 0 {
		// Names are shared with the dentries: this is the event itself.
		r.Extra["bytes_per_event"] = float64(full-before) / float64(r.Events)
	}
	fs.Close(ifd)
	return r, err
}

// countEvents counts the struct inotify_event records in b.
func countEvents(b []byte) int {
	n := 0
	for off := 0; off+16 <= len(b); n++ {
		off += 16 + int(binary.LittleEndian.Uint32(b[off+12:]))
	}
	return n
}

// Line formats one result line: key=value pairs, keys of Extra sorted.
func Line(pairs []string, extra map[string]float64) string {
	keys := make([]string, 0, len(extra))
	for k := range extra {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		pairs = append(pairs, fmt.Sprintf("%s=%.0f", k, extra[k]))
	}
	return strings.Join(pairs, " ")
}
