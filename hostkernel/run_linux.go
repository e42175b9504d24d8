package hostkernel

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/inosim/inosim/scenario"
	"github.com/inosim/inosim/uapi"
)

// Timeout bounds one run: the child is killed and Run fails when the
// scenario has not finished by then.
var Timeout = 30 * time.Second

// Warnings receives each warning of a run (one line, no newline), such as
// the note that the run had no user namespace for per-user limits. The
// default writes "hostkernel: warning: ..." to standard error; set it to
// nil to drop warnings.
var Warnings = func(msg string) { fmt.Fprintln(os.Stderr, "hostkernel: warning: "+msg) }

const (
	envChild = "INOSIM_HOSTKERNEL_CHILD" // the marker: "run" or "probe"
	envMode  = "INOSIM_HOSTKERNEL"       // "off", "nouserns"

	probeOK = "inosim-hostkernel-probe-ok"

	inotifySysctlDir = "/proc/sys/fs/inotify/"
)

// Options tune RunWith.
type Options struct {
	// WatchInfo fills scenario.Event.WatchPath and WatchIsDir (as
	// scenario.RunOptions.WatchInfo; the machine answers IsDir with
	// stat(2) or lstat(2)).
	WatchInfo bool
}

// Available says whether this host can run scenarios: nil when it is
// Linux, the process is root, inotify works and a private mount namespace
// can be made; otherwise an error whose one-line message says what is
// missing. A missing user namespace is not an error (Run falls back, see
// the package doc).
func Available() error {
	if os.Getenv(envMode) == "off" {
		return errors.New("host kernel runner disabled by " + envMode + "=off")
	}
	if err := notInChild(); err != nil {
		return err
	}
	if uid := os.Geteuid(); uid != 0 {
		return fmt.Errorf("host kernel runner needs root (running as uid %d)", uid)
	}
	if _, err := os.Stat(inotifySysctlDir); err != nil {
		return errors.New("host kernel has no inotify (" + strings.TrimSuffix(inotifySysctlDir, "/") + " is missing)")
	}
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC)
	if err != nil {
		return fmt.Errorf("host kernel has no working inotify (inotify_init1: %v)", err)
	}
	unix.Close(fd)
	if err := probe(useUserNS()); err != nil {
		if !useUserNS() {
			return err
		}
		if err2 := probe(false); err2 != nil {
			return err2
		}
	}
	return nil
}

func useUserNS() bool { return os.Getenv(envMode) != "nouserns" }

// notInChild refuses to start a child from a child: it means the program
// did not call RunChildIfRequested first.
func notInChild() error {
	if os.Getenv(envChild) != "" {
		return errors.New("host kernel runner: this program does not call hostkernel.RunChildIfRequested at the start of main (or TestMain)")
	}
	return nil
}

// probe starts the child in its probe role with the namespaces Run uses.
func probe(userns bool) error {
	cmd := childCommand("probe", userns)
	var out bytes.Buffer
	cmd.Stdout = &out
	if err := cmd.Run(); err != nil {
		what := "a private mount namespace"
		if userns {
			what = "private mount and user namespaces"
		}
		return fmt.Errorf("host kernel runner cannot make %s: %v", what, err)
	}
	if !strings.Contains(out.String(), probeOK) {
		return errors.New("host kernel runner: this program does not call hostkernel.RunChildIfRequested at the start of main (or TestMain)")
	}
	return nil
}

func childCommand(role string, userns bool) *exec.Cmd {
	cmd := exec.Command("/proc/self/exe")
	cmd.Args = []string{os.Args[0]}
	// containermaxprocs=0: the runtime must not keep cgroup files open on
	// descriptors the scenario expects free (later GODEBUG terms win).
	godebug := "containermaxprocs=0"
	if g := os.Getenv("GODEBUG"); g != "" {
		godebug = g + "," + godebug
	}
	// atexit_sleep_ms=0: a race-detector build otherwise sleeps a second
	// at exit (the child is a test binary under go test -race).
	gorace := "atexit_sleep_ms=0"
	if g := os.Getenv("GORACE"); g != "" {
		gorace = g + " " + gorace
	}
	cmd.Env = append(os.Environ(), envChild+"="+role, "GODEBUG="+godebug, "GORACE="+gorace)
	attr := &syscall.SysProcAttr{
		Cloneflags: syscall.CLONE_NEWNS,
		Pdeathsig:  syscall.SIGKILL,
	}
	if userns {
		attr.Cloneflags |= syscall.CLONE_NEWUSER
		idmap := []syscall.SysProcIDMap{{ContainerID: 0, HostID: 0, Size: 1<<32 - 1}}
		attr.UidMappings = idmap
		attr.GidMappings = idmap
		attr.GidMappingsEnableSetgroups = true
		if breakUserNS {
			attr.UidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: -1, Size: 1}}
		}
	}
	cmd.SysProcAttr = attr
	return cmd
}

// request is what the parent sends the child.
type request struct {
	Name      string
	Src       []byte // bytes, not a JSON string: nothing is re-encoded
	UserNS    bool
	WatchInfo bool
	// MntNS is the parent's mount namespace (readlink /proc/self/ns/mnt):
	// the child refuses to touch anything when its own is the same.
	MntNS string
	// Func, when set, names a function registered with RegisterFunc to
	// run in the sandbox instead of a scenario, with Arg.
	Func string
	Arg  []byte
}

// response is what the child sends back.
type response struct {
	Outcomes []scenario.Outcome
	// Raw is, per outcome and event, the event's Name and WatchPath as
	// bytes: JSON strings would turn invalid UTF-8 (a name "\xff") into
	// U+FFFD.
	Raw      [][]rawEvent
	Err      string
	Warnings []string
	FuncOut  []byte // a registered function's result
}

type rawEvent struct{ Name, WatchPath []byte }

// newResponse fills Raw from the outcomes.
func newResponse(outs []scenario.Outcome) response {
	r := response{Outcomes: outs, Raw: make([][]rawEvent, len(outs))}
	for i, o := range outs {
		for _, e := range o.Events {
			r.Raw[i] = append(r.Raw[i], rawEvent{[]byte(e.Name), []byte(e.WatchPath)})
		}
	}
	return r
}

// fixRaw puts the byte-exact strings of Raw back into the outcomes.
func (r *response) fixRaw() error {
	if len(r.Raw) != len(r.Outcomes) {
		return fmt.Errorf("%d raw entries for %d outcomes", len(r.Raw), len(r.Outcomes))
	}
	for i := range r.Outcomes {
		evs := r.Outcomes[i].Events
		if len(r.Raw[i]) != len(evs) {
			return fmt.Errorf("outcome %d: %d raw entries for %d events", i, len(r.Raw[i]), len(evs))
		}
		for j, raw := range r.Raw[i] {
			evs[j].Name, evs[j].WatchPath = string(raw.Name), string(raw.WatchPath)
		}
	}
	r.Raw = nil
	return nil
}

// Run runs the scenario f on the host kernel in a sandboxed child process
// (see the package doc) and returns the outcome of each command, as
// scenario.Run does. The error is about the run itself (no root, the child
// failed or timed out, a sysctl line could not be applied); what each call
// did is in the outcomes.
func Run(f *scenario.File) ([]scenario.Outcome, error) {
	return RunWith(f, Options{})
}

// runMu serializes runs: a run's global sysctl values must not be seen by
// another run of the same process.
var runMu sync.Mutex

// hostLockPath is the file whose flock serializes runs across processes:
// max_queued_events is one value for the whole host, so two test binaries
// (go test runs packages in parallel) or two inosim commands must not run
// sandboxes at once.
var hostLockPath = filepath.Join(os.TempDir(), "inosim-hostkernel.lock")

// lockHost takes runMu and the host-wide lock; the returned function
// releases both.
func lockHost() (unlock func(), err error) {
	runMu.Lock()
	fd, err := unix.Open(hostLockPath, unix.O_RDWR|unix.O_CREAT|unix.O_CLOEXEC, 0o666)
	if err != nil {
		runMu.Unlock()
		return nil, fmt.Errorf("host kernel runner: lock file: %v", err)
	}
	for {
		err = unix.Flock(fd, unix.LOCK_EX)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		unix.Close(fd)
		runMu.Unlock()
		return nil, fmt.Errorf("host kernel runner: flock %s: %v", hostLockPath, err)
	}
	return func() {
		unix.Close(fd) // drops the flock
		runMu.Unlock()
	}, nil
}

// LockHost takes the host-wide lock that sandboxed runs hold, for other
// tests that use the host's inotify directly: another process's run may set
// max_queued_events or the per-user limits meanwhile. The caller must not
// start a run in this process before calling the returned unlock.
func LockHost() (unlock func(), err error) { return lockHost() }

// breakUserNS makes every start with a user namespace fail (tests of the
// fallback: this host may not let them forbid user namespaces).
var breakUserNS bool

// noUserNS remembers that a child with a user namespace could not be
// started, so later runs go straight to the fallback (guarded by runMu).
var noUserNS bool

// RunWith is Run with options.
func RunWith(f *scenario.File, opt Options) ([]scenario.Outcome, error) {
	if f.Concurrent() {
		return nil, errConcurrent
	}
	if err := refusePersonality(f); err != nil {
		return nil, err
	}
	if err := notInChild(); err != nil {
		return nil, err
	}
	if uid := os.Geteuid(); uid != 0 {
		return nil, fmt.Errorf("host kernel runner needs root (running as uid %d)", uid)
	}
	mntNS, err := os.Readlink("/proc/self/ns/mnt")
	if err != nil {
		return nil, fmt.Errorf("host kernel runner: %v", err)
	}
	var src strings.Builder
	for _, l := range f.Lines {
		src.WriteString(l.Text)
		src.WriteByte('\n')
	}
	req := request{Name: f.Name, Src: []byte(src.String()), WatchInfo: opt.WatchInfo, MntNS: mntNS}

	unlock, err := lockHost()
	if err != nil {
		return nil, err
	}
	defer unlock()

	userns := useUserNS() && !noUserNS
	resp, err := runChild(f.Name, globalKeys(f, userns), req, userns, Timeout)
	var startErr *startError
	if userns && errors.As(err, &startErr) {
		userns, noUserNS = false, true
		resp, err = runChild(f.Name, globalKeys(f, userns), req, false, Timeout)
	}
	if err != nil {
		return nil, err
	}
	if f.Personality != "" && f.Personality != uapi.PersonalityLinux && Warnings != nil {
		Warnings("scenario " + f.Name + " asks for personality " + f.Personality + "; the host kernel can only be itself (today's Linux)")
	}
	for _, l := range f.Bugs() {
		if Warnings != nil {
			Warnings("scenario " + f.Name + " puts back bug " + l.Bug + "; the host kernel runs its own code")
		}
	}
	if !userns && setsUserLimits(f) && Warnings != nil {
		Warnings("no user namespace for this run: scenario " + f.Name + " sets per-user inotify limits globally and assumes no other inotify use by root")
	}
	for _, w := range resp.Warnings {
		if Warnings != nil {
			Warnings(w)
		}
	}
	if resp.Err != "" {
		return resp.Outcomes, errors.New(resp.Err)
	}
	if len(resp.Outcomes) != len(f.Commands) {
		return resp.Outcomes, fmt.Errorf("host kernel runner: child returned %d outcomes for %d commands", len(resp.Outcomes), len(f.Commands))
	}
	return resp.Outcomes, nil
}

// funcs are the functions RunFunc can run in the sandbox.
var funcs = map[string]func(arg []byte) ([]byte, error){}

// RegisterFunc makes fn runnable in the sandbox by RunFunc under name. Call
// it from an init function, so that the re-executed child has it too.
func RegisterFunc(name string, fn func(arg []byte) ([]byte, error)) { funcs[name] = fn }

// RunFunc runs the registered function name with arg in a sandboxed child —
// the scenario sandbox: a private mount (and user) namespace, a fresh tmpfs
// as its root, root credentials, umask 0 — and returns its result. It is
// for code that must measure the real kernel with raw system calls (inosim
// bench). timeout bounds the run.
func RunFunc(name string, arg []byte, timeout time.Duration) ([]byte, error) {
	if err := notInChild(); err != nil {
		return nil, err
	}
	if _, ok := funcs[name]; !ok {
		return nil, fmt.Errorf("host kernel runner: no function %q registered", name)
	}
	if uid := os.Geteuid(); uid != 0 {
		return nil, fmt.Errorf("host kernel runner needs root (running as uid %d)", uid)
	}
	mntNS, err := os.Readlink("/proc/self/ns/mnt")
	if err != nil {
		return nil, fmt.Errorf("host kernel runner: %v", err)
	}
	req := request{Name: name, Func: name, Arg: arg, MntNS: mntNS}
	unlock, err := lockHost()
	if err != nil {
		return nil, err
	}
	defer unlock()
	userns := useUserNS() && !noUserNS
	resp, err := runChild(name, nil, req, userns, timeout)
	var startErr *startError
	if userns && errors.As(err, &startErr) {
		noUserNS = true
		resp, err = runChild(name, nil, req, false, timeout)
	}
	if err != nil {
		return nil, err
	}
	if resp.Err != "" {
		return resp.FuncOut, errors.New(resp.Err)
	}
	return resp.FuncOut, nil
}

// startError is a failure to start the child (its namespaces could not be
// made), after which Run may retry without a user namespace.
type startError struct{ err error }

var _ error = (*startError)(nil)

func (e *startError) Error() string {
	return "host kernel runner: cannot start the child: " + e.err.Error()
}

func setsUserLimits(f *scenario.File) bool {
	for _, l := range f.Lines {
		if l.Kind == scenario.SysctlLine && l.Key != uapi.SysctlMaxQueuedEvents {
			return true
		}
	}
	return false
}

// globalKeys lists the host-global sysctl files a run of f may write: the
// keys f sets, less the per-user ones when the child has its own user
// namespace.
func globalKeys(f *scenario.File, userns bool) []string {
	var keys []string
	seen := map[string]bool{}
	for _, l := range f.Lines {
		if l.Kind != scenario.SysctlLine || seen[l.Key] {
			continue
		}
		seen[l.Key] = true
		if userns && l.Key != uapi.SysctlMaxQueuedEvents {
			continue
		}
		keys = append(keys, l.Key)
	}
	return keys
}

// saved is the host's sysctl values before a run; restore puts them back
// once, from whichever of the normal path and the signal handler comes
// first.
type saved struct {
	once sync.Once
	vals map[string][]byte
	errs []string
}

func save(keys []string) (*saved, error) {
	s := &saved{vals: map[string][]byte{}}
	for _, k := range keys {
		b, err := os.ReadFile(inotifySysctlDir + k)
		if err != nil {
			return nil, fmt.Errorf("host kernel runner: cannot save sysctl %s: %v", k, err)
		}
		s.vals[k] = b
	}
	return s, nil
}

func (s *saved) restore() {
	s.once.Do(func() {
		for k, v := range s.vals {
			if err := os.WriteFile(inotifySysctlDir+k, v, 0); err != nil {
				s.errs = append(s.errs, fmt.Sprintf("cannot restore sysctl %s=%s: %v", k, bytes.TrimSpace(v), err))
			}
		}
	})
}

// runChild runs the child once, saving and restoring the global sysctl
// values around it.
func runChild(name string, keys []string, req request, userns bool, timeout time.Duration) (resp response, err error) {
	req.UserNS = userns
	sv, err := save(keys)
	if err != nil {
		return resp, err
	}

	reqR, reqW, err := os.Pipe()
	if err != nil {
		return resp, err
	}
	respR, respW, err := os.Pipe()
	if err != nil {
		reqR.Close()
		reqW.Close()
		return resp, err
	}
	cmd := childCommand("run", userns)
	var stderr tailBuffer
	cmd.Stderr = &stderr
	cmd.ExtraFiles = []*os.File{reqR, respW} // fds 3 and 4 in the child

	// Pdeathsig is sent when the thread that forked the child exits; keep
	// this goroutine on its thread until the child is gone.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	startErr := cmd.Start()
	reqR.Close()
	respW.Close()
	if startErr != nil {
		reqW.Close()
		respR.Close()
		return resp, &startError{startErr}
	}
	defer func() {
		sv.restore()
		if len(sv.errs) > 0 && err == nil {
			err = errors.New("host kernel runner: " + strings.Join(sv.errs, "; "))
		}
	}()

	// Restore on SIGINT/SIGTERM too: kill the child, restore, and let the
	// signal do what it would have done. (Before Start nothing was
	// written, so the default action is fine there.)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	done := make(chan struct{})
	var sigWG sync.WaitGroup
	sigWG.Add(1)
	go func(p *os.Process) {
		defer sigWG.Done()
		select {
		case sig := <-sigs:
			p.Kill()
			sv.restore()
			signal.Stop(sigs)
			if s, ok := sig.(syscall.Signal); ok {
				syscall.Kill(os.Getpid(), s)
			}
		case <-done:
		}
	}(cmd.Process)
	defer func() {
		close(done)
		sigWG.Wait()
		signal.Stop(sigs)
	}()

	go func() {
		b, _ := json.Marshal(req)
		reqW.Write(b)
		reqW.Close()
	}()
	timedOut := false
	var timerMu sync.Mutex
	timer := time.AfterFunc(timeout, func() {
		timerMu.Lock()
		timedOut = true
		timerMu.Unlock()
		cmd.Process.Kill()
	})
	out, readErr := io.ReadAll(respR)
	respR.Close()
	waitErr := cmd.Wait()
	timer.Stop()
	timerMu.Lock()
	defer timerMu.Unlock()
	switch {
	case timedOut:
		return resp, fmt.Errorf("host kernel runner: %s did not finish within %v; child killed", name, timeout)
	case readErr != nil:
		return resp, fmt.Errorf("host kernel runner: reading the child's result: %v", readErr)
	}
	jerr := json.Unmarshal(out, &resp)
	if jerr == nil {
		jerr = resp.fixRaw()
	}
	if jerr != nil || waitErr != nil {
		msg := "host kernel runner: child failed"
		if waitErr != nil {
			msg += " (" + waitErr.Error() + ")"
		} else {
			msg += " (bad result: " + jerr.Error() + ")"
		}
		if t := stderr.String(); t != "" {
			msg += ": " + t
		}
		return response{}, errors.New(msg)
	}
	return resp, nil
}

// tailBuffer keeps the last 4 KiB written to it (a child's stderr).
type tailBuffer struct {
	mu sync.Mutex
	b  []byte
}

var (
	_ io.Writer    = (*tailBuffer)(nil)
	_ fmt.Stringer = (*tailBuffer)(nil)
)

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > 4096 {
		t.b = t.b[len(t.b)-4096:]
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.TrimSpace(string(t.b))
}

// RunChildIfRequested runs the child role when this process is a child
// started by Run or Available (the environment marker is set) and exits;
// otherwise it returns at once. Call it first in main and in TestMain.
func RunChildIfRequested() {
	switch os.Getenv(envChild) {
	case "":
		return
	case "probe":
		os.Stdout.WriteString(probeOK + "\n")
		os.Exit(0)
	case "run":
		os.Exit(child())
	default:
		fmt.Fprintf(os.Stderr, "hostkernel: unknown %s=%q\n", envChild, os.Getenv(envChild))
		os.Exit(2)
	}
}

// sysctlPath is where a key is written from the child.
func sysctlPath(key string, userns bool) string {
	if userns {
		switch key {
		case uapi.SysctlMaxUserInstances:
			return "/proc/sys/user/max_inotify_instances"
		case uapi.SysctlMaxUserWatches:
			return "/proc/sys/user/max_inotify_watches"
		}
	}
	return filepath.Join(inotifySysctlDir, key)
}
