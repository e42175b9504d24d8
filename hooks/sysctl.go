package hooks

import (
	"fmt"
	"sync/atomic"
	"syscall"

	"github.com/inosim/inosim/uapi"
)

// InotifyTable is the ctl_table of /proc/sys/fs/inotify/: the three
// integers every Linux generation has, inotify_max_queued_events,
// inotify_max_user_instances and inotify_max_user_watches (seed 000 calls
// the second inotify_max_user_devices). A backend embeds it and sets its era's
// defaults; it reads max_queued_events at inotify_init and the per-user
// limits at each check, as the kernels do.
type InotifyTable struct {
	MaxQueuedEvents  atomic.Int64
	MaxUserInstances atomic.Int64
	MaxUserWatches   atomic.Int64
}

func (t *InotifyTable) entry(key string) (*atomic.Int64, error) {
	switch key {
	case uapi.SysctlMaxQueuedEvents:
		return &t.MaxQueuedEvents, nil
	case uapi.SysctlMaxUserInstances:
		return &t.MaxUserInstances, nil
	case uapi.SysctlMaxUserWatches:
		return &t.MaxUserWatches, nil
	}
	return nil, fmt.Errorf("sysctl %q: %w", key, syscall.ENOENT)
}

// SetSysctl writes /proc/sys/fs/inotify/KEY: values outside 0..INT_MAX are
// EINVAL (proc_dointvec_minmax with a minimum of 0), an unknown key ENOENT.
func (t *InotifyTable) SetSysctl(key string, v int64) error {
	e, err := t.entry(key)
	if err != nil {
		return err
	}
	if v < 0 || v > 1<<31-1 {
		return fmt.Errorf("sysctl %s=%d: %w", key, v, syscall.EINVAL)
	}
	e.Store(v)
	return nil
}

// Sysctl reads /proc/sys/fs/inotify/KEY.
func (t *InotifyTable) Sysctl(key string) (int64, error) {
	e, err := t.entry(key)
	if err != nil {
		return 0, err
	}
	return e.Load(), nil
}
