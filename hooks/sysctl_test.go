package hooks_test

import (
	"errors"
	"syscall"
	"testing"

	"github.com/inosim/inosim/hooks"
	"github.com/inosim/inosim/uapi"
)

// TestInotifyTable: the three keys read back what was written; values
// outside 0..INT_MAX are EINVAL and an unknown key ENOENT, as
// proc_dointvec_minmax and a missing /proc file give them.
func TestInotifyTable(t *testing.T) {
	var tab hooks.InotifyTable
	for i, key := range []string{uapi.SysctlMaxQueuedEvents, uapi.SysctlMaxUserInstances, uapi.SysctlMaxUserWatches} {
		if err := tab.SetSysctl(key, int64(10+i)); err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		if v, err := tab.Sysctl(key); v != int64(10+i) || err != nil {
			t.Errorf("%s = %d, %v; want %d", key, v, err, 10+i)
		}
	}
	if tab.MaxUserInstances.Load() != 11 {
		t.Errorf("max_user_instances is not the MaxUserInstances field")
	}
	for _, v := range []int64{-1, 1 << 31} {
		if err := tab.SetSysctl(uapi.SysctlMaxUserWatches, v); !errors.Is(err, syscall.EINVAL) {
			t.Errorf("max_user_watches=%d: %v, want EINVAL", v, err)
		}
	}
	if _, err := tab.Sysctl("max_user_devices"); !errors.Is(err, syscall.ENOENT) {
		t.Errorf("unknown key: %v, want ENOENT", err)
	}
}
