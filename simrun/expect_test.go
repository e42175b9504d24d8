package simrun

import "testing"

// TestSortReports: only a report's first line is matched against the
// expect lines.
func TestSortReports(t *testing.T) {
	problems, expected := sortReports(
		[]string{"refcount: inotify_watch#1: leaked with count 1\nhistory:\n  x", "lockdep: something else"},
		[]string{"inotify_watch#1: leaked", "history"})
	if len(expected) != 1 || len(problems) != 2 {
		t.Errorf("sortReports: problems %q, expected %q (only first lines match)", problems, expected)
	}
}
