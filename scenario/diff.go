package scenario

import (
	"fmt"
	"strings"
)

// Normalize returns the lines of a transcript as check compares them:
// trailing white space (and a CR) removed, a result line's indentation
// (two or more columns, or a tab) replaced by two spaces, any other
// indentation removed, and trailing blank lines dropped.
func Normalize(s string) []string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		l = strings.TrimRight(l, " \t\r")
		body := strings.TrimLeft(l, " \t")
		if isResultIndent(l[:len(l)-len(body)]) {
			body = "  " + body
		}
		lines[i] = body
	}
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// Equal reports whether two transcripts are the same once normalized:
// indentation width and trailing white space do not count.
func Equal(a, b string) bool {
	x, y := Normalize(a), Normalize(b)
	if len(x) != len(y) {
		return false
	}
	for i := range x {
		if x[i] != y[i] {
			return false
		}
	}
	return true
}

// Diff returns a unified diff (three lines of context) from a to b, compared
// as Equal compares them, with the lines shown normalized; "" when Equal.
func Diff(nameA, a, nameB, b string) string {
	x, y := Normalize(a), Normalize(b)
	ops := diffLines(x, y)
	const ctx = 3
	var out strings.Builder
	for i := 0; i < len(ops); {
		// Find the next change.
		for i < len(ops) && ops[i].kind == ' ' {
			i++
		}
		if i == len(ops) {
			break
		}
		start := max(i-ctx, 0)
		for start > 0 && ops[start-1].kind != ' ' {
			start--
		}
		// Extend the hunk while changes are within 2*ctx lines of each other.
		end := i
		for {
			for end < len(ops) && ops[end].kind != ' ' {
				end++
			}
			run := end
			for run < len(ops) && ops[run].kind == ' ' {
				run++
			}
			if run == len(ops) || run-end > 2*ctx {
				end = min(end+ctx, len(ops))
				break
			}
			end = run
		}
		if out.Len() == 0 {
			fmt.Fprintf(&out, "--- %s\n+++ %s\n", nameA, nameB)
		}
		h := ops[start:end]
		var na, nb int
		for _, o := range h {
			if o.kind != '+' {
				na++
			}
			if o.kind != '-' {
				nb++
			}
		}
		fmt.Fprintf(&out, "@@ -%s +%s @@\n", hunkRange(h[0].a, na), hunkRange(h[0].b, nb))
		for _, o := range h {
			line := o.text
			fmt.Fprintf(&out, "%c%s\n", o.kind, line)
		}
		i = end
	}
	return out.String()
}

// hunkRange formats "start,count" as GNU diff does: 0-based start becomes
// 1-based, a count of one is left out, an empty range names the line before.
func hunkRange(start, n int) string {
	switch n {
	case 0:
		return fmt.Sprintf("%d,0", start)
	case 1:
		return fmt.Sprintf("%d", start+1)
	}
	return fmt.Sprintf("%d,%d", start+1, n)
}

// diffOp is one line of an edit script: ' ' kept, '-' only in a, '+' only
// in b; a and b are the 0-based positions in each input where it stands.
type diffOp struct {
	kind byte
	text string
	a, b int
}

// diffLines computes a shortest edit script from x to y. The common head
// and tail are matched first, so that Myers' algorithm, whose saved
// frontiers take O((N+M)·D) space, only sees the part that changed.
func diffLines(x, y []string) []diffOp {
	var ops []diffOp
	p := 0
	for p < len(x) && p < len(y) && x[p] == y[p] {
		ops = append(ops, diffOp{' ', x[p], p, p})
		p++
	}
	s := 0
	for s < len(x)-p && s < len(y)-p && x[len(x)-1-s] == y[len(y)-1-s] {
		s++
	}
	for _, o := range myers(x[p:len(x)-s], y[p:len(y)-s]) {
		o.a += p
		o.b += p
		ops = append(ops, o)
	}
	for k := s; k > 0; k-- {
		ops = append(ops, diffOp{' ', x[len(x)-k], len(x) - k, len(y) - k})
	}
	return ops
}

// myers is Myers' greedy shortest edit script (O((N+M)·D) time).
func myers(x, y []string) []diffOp {
	n, m := len(x), len(y)
	maxD := n + m
	off := maxD + 1
	v := make([]int, 2*maxD+3)
	var trace [][]int
	for d := 0; d <= maxD; d++ {
		trace = append(trace, append([]int(nil), v...))
		done := false
		for k := -d; k <= d; k += 2 {
			var i int
			if k == -d || (k != d && v[off+k-1] < v[off+k+1]) {
				i = v[off+k+1]
			} else {
				i = v[off+k-1] + 1
			}
			j := i - k
			for i < n && j < m && x[i] == y[j] {
				i++
				j++
			}
			v[off+k] = i
			if i >= n && j >= m {
				done = true
				break
			}
		}
		if done {
			trace = append(trace, v)
			break
		}
	}
	// Walk back through the frontiers.
	var rev []diffOp
	i, j := n, m
	for d := len(trace) - 2; d >= 0; d-- {
		vd := trace[d]
		k := i - j
		var pk int
		if k == -d || (k != d && vd[off+k-1] < vd[off+k+1]) {
			pk = k + 1
		} else {
			pk = k - 1
		}
		pi := vd[off+pk]
		pj := pi - pk
		for i > pi && j > pj && i > 0 && j > 0 && x[i-1] == y[j-1] {
			i--
			j--
			rev = append(rev, diffOp{' ', x[i], i, j})
		}
		if d == 0 {
			break
		}
		if i == pi {
			j--
			rev = append(rev, diffOp{'+', y[j], i, j})
		} else {
			i--
			rev = append(rev, diffOp{'-', x[i], i, j})
		}
	}
	for i > 0 && j > 0 {
		i--
		j--
		rev = append(rev, diffOp{' ', x[i], i, j})
	}
	ops := make([]diffOp, len(rev))
	for k, o := range rev {
		ops[len(rev)-1-k] = o
	}
	return ops
}
