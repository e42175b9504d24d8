package hostkernel

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/inosim/inosim/scenario"
	"github.com/inosim/inosim/uapi"
)

// Descriptors of the child, out of a scenario's way (see the package doc).
const (
	childReqFD   = 3   // as started: the request pipe
	childRespFD  = 4   // as started: the result pipe
	respFD       = 900 // where the result pipe is moved
	firstSysctlF = 901 // the /proc/sys files for sysctl lines, in sysctlKeys order
)

var sysctlKeys = []string{
	uapi.SysctlMaxQueuedEvents,
	uapi.SysctlMaxUserInstances,
	uapi.SysctlMaxUserWatches,
}

// mountPoints are the directories of the child's private mount namespace
// over which its tmpfs root may be mounted, the first that exists.
var mountPoints = []string{"/tmp", "/mnt", "/run", "/var/tmp", "/dev"}

// child is the child role: set up the sandbox, run the scenario, send the
// outcomes. It returns the exit status.
func child() (status int) {
	out := childRespFD
	send := func(r response) int {
		b, err := json.Marshal(r)
		if err != nil {
			fmt.Fprintln(os.Stderr, "hostkernel child:", err)
			return 1
		}
		for len(b) > 0 {
			n, err := unix.Write(out, b)
			if err != nil {
				fmt.Fprintln(os.Stderr, "hostkernel child: writing result:", err)
				return 1
			}
			b = b[n:]
		}
		return 0
	}
	defer func() {
		if p := recover(); p != nil {
			status = send(response{Err: fmt.Sprintf("host kernel runner: child panicked: %v\n%s", p, debug.Stack())})
		}
	}()
	fail := func(format string, args ...any) int {
		return send(response{Err: "host kernel runner: child: " + fmt.Sprintf(format, args...)})
	}

	// The request, then the descriptors out of the way.
	var reqBytes []byte
	buf := make([]byte, 64<<10)
	for {
		n, err := unix.Read(childReqFD, buf)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return fail("reading the request: %v", err)
		}
		if n == 0 {
			break
		}
		reqBytes = append(reqBytes, buf[:n]...)
	}
	unix.Close(childReqFD)
	if err := unix.Dup3(childRespFD, respFD, unix.O_CLOEXEC); err != nil {
		return fail("dup3: %v", err)
	}
	unix.Close(childRespFD)
	out = respFD

	var req request
	if err := json.Unmarshal(reqBytes, &req); err != nil {
		return fail("bad request: %v", err)
	}
	var f *scenario.File
	if req.Func == "" {
		var err error
		if f, err = scenario.Parse(req.Name, req.Src); err != nil {
			return fail("re-parsing the scenario: %v", err)
		}
	}

	// Safety first: this must be a mount namespace of our own.
	ns, err := os.Readlink("/proc/self/ns/mnt")
	if err != nil || ns == req.MntNS {
		return fail("not in a private mount namespace (%s, err %v); refusing to run", ns, err)
	}
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fail("making mounts private: %v", err)
	}

	var warnings []string
	m := &hostMachine{}
	for i, key := range sysctlKeys {
		fd := firstSysctlF + i
		m.sysctlFD[i] = -1
		p := sysctlPath(key, req.UserNS)
		tmp, err := unix.Open(p, unix.O_RDWR|unix.O_CLOEXEC, 0)
		if err != nil {
			m.sysctlErr[i] = fmt.Errorf("open %s: %v", p, err)
			continue
		}
		if err := unix.Dup3(tmp, fd, unix.O_CLOEXEC); err != nil {
			return fail("dup3: %v", err)
		}
		unix.Close(tmp)
		m.sysctlFD[i] = fd
		if req.UserNS && key != uapi.SysctlMaxQueuedEvents {
			// The namespace starts with no limit of its own: give it
			// the host's.
			host, err := readFile(inotifySysctlDir + key)
			if err == nil {
				_, err = unix.Pwrite(fd, host, 0)
			}
			if err != nil {
				warnings = append(warnings, fmt.Sprintf("cannot copy the host's %s into the user namespace: %v", key, err))
			}
		}
	}

	// The descriptors 3..899 are the scenario's. The runtime holds none
	// (childCommand turns off its cgroup-aware GOMAXPROCS, which keeps
	// cgroup files open; os.File operations, which would open a netpoll
	// epoll fd, are not used here), so any we find was inherited without
	// O_CLOEXEC from whoever started our parent: close it.
	fds, err := openFds()
	if err != nil {
		return fail("listing /proc/self/fd: %v", err)
	}
	for _, fd := range fds {
		unix.Close(fd)
	}

	mp := ""
	for _, d := range mountPoints {
		var st unix.Stat_t
		if unix.Lstat(d, &st) == nil && st.Mode&unix.S_IFMT == unix.S_IFDIR {
			mp = d
			break
		}
	}
	if mp == "" {
		return fail("no directory to mount the root tmpfs on (tried %s)", strings.Join(mountPoints, ", "))
	}
	if err := unix.Mount("tmpfs", mp, "tmpfs", 0, "mode=0755,uid=0,gid=0"); err != nil {
		return fail("mounting the root tmpfs on %s: %v", mp, err)
	}
	if err := unix.Chroot(mp); err != nil {
		return fail("chroot %s: %v", mp, err)
	}
	if err := unix.Chdir("/"); err != nil {
		return fail("chdir /: %v", err)
	}
	unix.Umask(0)
	if err := syscall.Setgroups([]int{}); err != nil {
		return fail("setgroups: %v", err)
	}
	if err := syscall.Setresgid(0, 0, 0); err != nil {
		return fail("setresgid: %v", err)
	}
	if err := syscall.Setresuid(0, 0, 0); err != nil {
		return fail("setresuid: %v", err)
	}

	if req.Func != "" {
		fn, ok := funcs[req.Func]
		if !ok {
			return fail("no function %q registered in the child", req.Func)
		}
		out, err := fn(req.Arg)
		resp := response{FuncOut: out, Warnings: warnings}
		if err != nil {
			resp.Err = "host kernel runner: " + req.Func + ": " + err.Error()
		}
		return send(resp)
	}
	outs := scenario.RunWith(f, m, scenario.RunOptions{WatchInfo: req.WatchInfo})
	resp := newResponse(outs)
	resp.Warnings = warnings
	if len(m.errs) > 0 {
		resp.Err = "host kernel runner: " + strings.Join(m.errs, "; ")
	}
	return send(resp)
}

// readFile reads a small file with raw system calls: os.ReadFile would
// start the runtime's netpoller and take a descriptor for good.
func readFile(path string) ([]byte, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	buf := make([]byte, 128)
	n, err := unix.Read(fd, buf)
	if err != nil {
		return nil, err
	}
	return buf[:n], nil
}

// openFds lists the open descriptors in 3..899 but for the one it reads
// /proc/self/fd with.
func openFds() ([]int, error) {
	dfd, err := unix.Open("/proc/self/fd", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	defer unix.Close(dfd)
	var fds []int
	buf := make([]byte, 8192)
	for {
		n, err := unix.Getdents(dfd, buf)
		if err != nil {
			return nil, err
		}
		if n == 0 {
			return fds, nil
		}
		_, _, names := unix.ParseDirent(buf[:n], -1, nil)
		for _, name := range names {
			fd, err := strconv.Atoi(name)
			if err == nil && fd >= 3 && fd < respFD && fd != dfd {
				fds = append(fds, fd)
			}
		}
	}
}
