package uapi

import "testing"

func TestErrno(t *testing.T) {
	for name, n := range map[string]int{"EPERM": 1, "ENOENT": 2, "EAGAIN": 11, "EWOULDBLOCK": 11, "EINVAL": 22,
		"ENOSPC": 28, "ELOOP": 40, "EOPNOTSUPP": 95, "ENOTSUP": 95, "EUCLEAN": 117, "EHWPOISON": 133, "EDEADLOCK": 35} {
		if got, ok := ErrnoNumber(name); !ok || got != n {
			t.Errorf("ErrnoNumber(%s) = %d, %v; want %d", name, got, ok, n)
		}
	}
	if _, ok := ErrnoNumber("EBOGUS"); ok {
		t.Error("EBOGUS accepted")
	}
	if _, ok := ErrnoNumber(""); ok {
		t.Error(`"" accepted`)
	}
	for n, name := range map[int]string{11: "EAGAIN", 95: "EOPNOTSUPP", 41: "", 0: "", 134: "", -1: ""} {
		if got := ErrnoName(n); got != name {
			t.Errorf("ErrnoName(%d) = %q, want %q", n, got, name)
		}
	}
}
