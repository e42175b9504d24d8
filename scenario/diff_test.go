package scenario

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

func TestEqual(t *testing.T) {
	a := "mkdir /d\nread i\n  w IN_CREATE a\n"
	for _, b := range []string{
		a,
		"mkdir /d  \nread i\t\n    w IN_CREATE a   \n\n\n",
		"mkdir /d\r\nread i\r\n\tw IN_CREATE a\r\n",
		"mkdir /d\nread i\n  w IN_CREATE a",
		" mkdir /d\nread i\n \tw IN_CREATE a\n",
	} {
		if !Equal(a, b) {
			t.Errorf("Equal(%q, %q) = false", a, b)
		}
		if d := Diff("a", a, "b", b); d != "" {
			t.Errorf("Diff of equal transcripts:\n%s", d)
		}
	}
	for _, b := range []string{
		"mkdir /d\nread i\nw IN_CREATE a\n",
		"mkdir /d\nread i\n  w IN_CREATE  a\n",
		"mkdir /d\nread i\n",
		"\nmkdir /d\nread i\n  w IN_CREATE a\n",
	} {
		if Equal(a, b) {
			t.Errorf("Equal(%q, %q) = true", a, b)
		}
	}
}

func TestDiffOutput(t *testing.T) {
	var a, b []string
	for i := 1; i <= 20; i++ {
		a = append(a, "mkdir /d"+strconv.Itoa(i))
	}
	b = append(b, a...)
	b[1] = "mkdir /changed"
	b = append(b[:15], b[16:]...)         // delete line 16
	b = append(b, "mkdir /new => EEXIST") // append at the end
	b = append([]string{"# first"}, b...) // insert at the top
	got := Diff("old.scen", strings.Join(a, "\n")+"\n", "new.scen", strings.Join(b, "\n")+"\n")
	want := `--- old.scen
+++ new.scen
@@ -1,5 +1,6 @@
+# first
 mkdir /d1
-mkdir /d2
+mkdir /changed
 mkdir /d3
 mkdir /d4
 mkdir /d5
@@ -13,8 +14,8 @@
 mkdir /d13
 mkdir /d14
 mkdir /d15
-mkdir /d16
 mkdir /d17
 mkdir /d18
 mkdir /d19
 mkdir /d20
+mkdir /new => EEXIST
`
	if got != want {
		t.Errorf("Diff:\n%s\nwant:\n%s", got, want)
	}
	if got := Diff("a", "", "b", "x\n"); got != "--- a\n+++ b\n@@ -0,0 +1 @@\n+x\n" {
		t.Errorf("Diff from empty: %q", got)
	}
	if got := Diff("a", "x\ny\n", "b", "y\n"); got != "--- a\n+++ b\n@@ -1,2 +1 @@\n-x\n y\n" {
		t.Errorf("Diff delete: %q", got)
	}
}

// The edit script rebuilds both inputs and is as short as an LCS allows.
func TestDiffLinesMinimal(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := 0; n < 500; n++ {
		x := randLines(r)
		y := randLines(r)
		ops := diffLines(x, y)
		var gx, gy []string
		edits := 0
		for _, o := range ops {
			if o.kind != '+' {
				if o.a != len(gx) {
					t.Fatalf("op %+v: a position, want %d", o, len(gx))
				}
				gx = append(gx, o.text)
			}
			if o.kind != '-' {
				if o.b != len(gy) {
					t.Fatalf("op %+v: b position, want %d", o, len(gy))
				}
				gy = append(gy, o.text)
			}
			if o.kind != ' ' {
				edits++
			}
		}
		if strings.Join(gx, ",") != strings.Join(x, ",") || strings.Join(gy, ",") != strings.Join(y, ",") {
			t.Fatalf("diff(%v, %v) rebuilt %v, %v", x, y, gx, gy)
		}
		if want := len(x) + len(y) - 2*lcs(x, y); edits != want {
			t.Fatalf("diff(%v, %v): %d edits, want %d", x, y, edits, want)
		}
	}
}

func randLines(r *rand.Rand) []string {
	s := make([]string, r.IntN(12))
	for i := range s {
		s[i] = string(rune('a' + r.IntN(4)))
	}
	return s
}

func lcs(x, y []string) int {
	d := make([][]int, len(x)+1)
	for i := range d {
		d[i] = make([]int, len(y)+1)
	}
	for i := len(x) - 1; i >= 0; i-- {
		for j := len(y) - 1; j >= 0; j-- {
			if x[i] == y[j] {
				d[i][j] = d[i+1][j+1] + 1
			} else {
				d[i][j] = max(d[i+1][j], d[i][j+1])
			}
		}
	}
	return d[0][0]
}
