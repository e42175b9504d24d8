package personality

import (
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/inosim/inosim/uapi"
)

// TestNamesAgree: the names a scenario may write (uapi) and the
// personalities modelled here are one list.
func TestNamesAgree(t *testing.T) {
	var want []string
	for _, n := range uapi.Personalities() {
		p, err := Lookup(n)
		switch {
		case err != nil || p.Name != n:
			t.Errorf("Lookup(%q) = %v, %v", n, p, err)
		default:
			want = append(want, n)
		}
	}
	sort.Strings(want)
	if got := Names(); !slices.Equal(got, want) {
		t.Errorf("modelled %v, uapi names %v", got, want)
	}
	if _, err := Lookup("linux-9.9"); err == nil || !strings.Contains(err.Error(), "unknown") {
		t.Errorf("Lookup of an unknown name: %v", err)
	}
}
