package simrun

import "testing"

// TestSortReports: only a report's first line is matched against the
// expect lines; an unmet expect line is a problem, except in a concurrent
// file, where another schedule may meet it.
func TestSortReports(t *testing.T) {
	reports := []string{"refcount: inotify_watch#1: leaked with count 1\nhistory:\n  x", "lockdep: something else"}
	expects := []string{"inotify_watch#1: leaked", "history"}
	problems, expected, unmet := sortReports(reports, expects, false)
	if len(expected) != 1 || len(problems) != 2 || len(unmet) != 1 {
		t.Errorf("sortReports: problems %q, expected %q, unmet %q (only first lines match)", problems, expected, unmet)
	}
	problems, expected, unmet = sortReports(reports, expects, true)
	if len(expected) != 1 || len(problems) != 1 || len(unmet) != 1 || unmet[0] != "history" {
		t.Errorf("concurrent: problems %q, expected %q, unmet %q", problems, expected, unmet)
	}
}
