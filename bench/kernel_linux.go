package bench

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/inosim/inosim/hostkernel"
)

// kernelFS runs a workload as raw system calls; it is used only inside the
// host runner's sandbox (a tmpfs root in private namespaces).
type kernelFS struct{ buf []byte }

var _ FS = (*kernelFS)(nil)

func (kernelFS) Mkdir(p string, mode uint32) error { return unix.Mkdir(p, mode) }
func (kernelFS) Open(p string, flags int, mode uint32) (int, error) {
	return unix.Open(p, flags|unix.O_CLOEXEC, mode)
}
func (kernelFS) Write(fd int, b []byte) (int, error) { return unix.Write(fd, b) }
func (kernelFS) Close(fd int) error                  { return unix.Close(fd) }
func (kernelFS) Rename(o, n string) error            { return unix.Rename(o, n) }
func (kernelFS) Unlink(p string) error               { return unix.Unlink(p) }
func (kernelFS) Chmod(p string, mode uint32) error   { return unix.Chmod(p, mode) }
func (kernelFS) InotifyInit1(flags int) (int, error) {
	return unix.InotifyInit1(flags | unix.IN_CLOEXEC)
}
func (kernelFS) InotifyAddWatch(fd int, p string, m uint32) (int, error) {
	return unix.InotifyAddWatch(fd, p, m)
}
func (k *kernelFS) ReadEvents(fd int) (int, error) {
	n, err := unix.Read(fd, k.buf)
	if err == unix.EAGAIN {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return countEvents(k.buf[:n]), nil
}
func (kernelFS) Mem() int64 { return -1 }

type kernelReq struct {
	Workload string
	N        int
}

func init() {
	hostkernel.RegisterFunc("bench", func(arg []byte) ([]byte, error) {
		var req kernelReq
		if err := json.Unmarshal(arg, &req); err != nil {
			return nil, err
		}
		w, err := Lookup(req.Workload)
		if err != nil {
			return nil, err
		}
		r, err := w.Run(&kernelFS{buf: make([]byte, 64<<10)}, req.N)
		if err != nil {
			return nil, err
		}
		return json.Marshal(r)
	})
}

// RunKernel runs w with size n on the host kernel, in the sandbox.
func RunKernel(w Workload, n int) (Result, error) {
	arg, _ := json.Marshal(kernelReq{Workload: w.Name, N: n})
	out, err := hostkernel.RunFunc("bench", arg, 10*time.Minute)
	if err != nil {
		return Result{}, err
	}
	var r Result
	err = json.Unmarshal(out, &r)
	return r, err
}

// slabCaches are the kernel's caches for inotify's structures: the mark
// (our watch) and the connector an inode's marks hang from. Events are
// kmalloc'd (struct inotify_event_info + name), so they have no cache.
var slabCaches = []string{"inotify_inode_mark", "fsnotify_mark_connector"}

// SlabSizes returns the kernel's object size in bytes for each of
// slabCaches, from /sys/kernel/slab/NAME/object_size (which names a cache
// even when it is merged with a generic one), or /proc/slabinfo.
func SlabSizes() (map[string]int, error) {
	out := map[string]int{}
	for _, c := range slabCaches {
		if b, err := os.ReadFile("/sys/kernel/slab/" + c + "/object_size"); err == nil {
			var size int
			if _, err := fmt.Sscan(strings.TrimSpace(string(b)), &size); err == nil {
				out[c] = size
			}
		}
	}
	if len(out) == len(slabCaches) {
		return out, nil
	}
	b, err := os.ReadFile("/proc/slabinfo")
	if err != nil {
		return out, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 4 {
			continue
		}
		for _, c := range slabCaches {
			if f[0] == c {
				var size int
				if _, err := fmt.Sscan(f[3], &size); err == nil {
					out[c] = size
				}
			}
		}
	}
	return out, nil
}
