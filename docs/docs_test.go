package docs_test

import (
	"go/scanner"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// The rule TestSelfContained enforces, precisely.
//
// Every *.go, *.md and *.scen file under the module root (the nearest
// directory above this one holding go.mod; .git is skipped, testdata is
// not) is read, and each finding is reported as FILE:LINE.
//
//  1. Outside references are refused on every line, code included: the
//     directory of inputs next to the repository that the project was built
//     from (its name is "shared"; refused are "..", "/", "shared", and
//     "shared", "/", "spec" or "seeds" without the dots), and the workspace
//     root of the machine it was written on (the top-level directory
//     "work", with a slash on both sides). A clone has none of them. Cite
//     docs/semantics.md or docs/scenarios.md instead, and name a seed by
//     what it is ("seed 001: fs/inotify.c of 2.6.18").
//
//  2. The machine directories "home", "root" and "tmp" at the top of the
//     file system, with a slash on both sides, are refused in prose and
//     accepted in code. In code such a path is a path of the machine the
//     code is about: the simulated or scenario machine (a scenario's
//     "creat" of a file in tmp runs inside its own fresh root), or a host
//     path the code itself opens and checks (hostkernel's leak test). In
//     prose it is a pointer to a file on somebody's computer. So:
//       - .go: accepted in string literals, refused in comments;
//       - .scen: accepted in commands and result lines, refused in
//         comments (from a '#' outside a quoted token to the end of the
//         line);
//       - .md: accepted in code (fenced blocks, blocks indented by four
//         spaces or a tab after a blank line, and code spans, which may run
//         over a line break), refused in the text around it.
//
// This file states every pattern in pieces so that it passes its own check.

var (
	slash = "/"

	// outside are rule 1's patterns.
	outside = []string{
		".." + slash + "shared",
		"shared" + slash + "spec",
		"shared" + slash + "seeds",
		slash + "work" + slash,
	}

	// machineDirs are rule 2's patterns.
	machineDirs = []string{
		slash + "home" + slash,
		slash + "root" + slash,
		slash + "tmp" + slash,
	}
)

// finding is one line that breaks the rule.
type finding struct {
	line    int
	pattern string
	where   string // "" for rule 1, else the prose it is in ("a comment", "the text")
}

func TestSelfContained(t *testing.T) {
	root := moduleRoot(t)
	n := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == ".git" {
				return filepath.SkipDir
			}
			return nil
		}
		var check func([]byte) []finding
		switch filepath.Ext(path) {
		case ".go":
			check = checkGo
		case ".md":
			check = checkMarkdown
		case ".scen":
			check = checkScenario
		default:
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		n++
		rel, _ := filepath.Rel(root, path)
		for _, f := range check(src) {
			if f.where == "" {
				t.Errorf("%s:%d: %q points outside the repository", rel, f.line, f.pattern)
			} else {
				t.Errorf("%s:%d: %q, a machine path, in %s (allowed only in code)", rel, f.line, f.pattern, f.where)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 100 {
		t.Fatalf("only %d files checked under %s: is that the module root?", n, root)
	}
}

// moduleRoot is the nearest directory at or above the working directory
// (this package's) that holds go.mod.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		up := filepath.Dir(dir)
		if up == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = up
	}
}

// everywhere applies rule 1 to every line of src.
func everywhere(src []byte) []finding {
	var out []finding
	for i, l := range strings.Split(string(src), "\n") {
		for _, p := range outside {
			if strings.Contains(l, p) {
				out = append(out, finding{line: i + 1, pattern: p})
				break
			}
		}
	}
	return out
}

// inProse applies rule 2 to text that is prose, starting at line first.
func inProse(text string, first int, where string) []finding {
	var out []finding
	for i, l := range strings.Split(text, "\n") {
		for _, p := range machineDirs {
			if strings.Contains(l, p) {
				out = append(out, finding{line: first + i, pattern: p, where: where})
				break
			}
		}
	}
	return out
}

// checkGo: rule 1 everywhere, rule 2 in comments (found by go/scanner, so
// a "//" inside a string is not a comment).
func checkGo(src []byte) []finding {
	out := everywhere(src)
	fset := token.NewFileSet()
	file := fset.AddFile("", fset.Base(), len(src))
	var s scanner.Scanner
	s.Init(file, src, nil, scanner.ScanComments) // a file that does not compile is still scanned
	for {
		pos, tok, lit := s.Scan()
		if tok == token.EOF {
			return out
		}
		if tok == token.COMMENT {
			out = append(out, inProse(lit, fset.Position(pos).Line, "a comment")...)
		}
	}
}

// checkScenario: rule 1 everywhere, rule 2 in comments.
func checkScenario(src []byte) []finding {
	out := everywhere(src)
	for i, l := range strings.Split(string(src), "\n") {
		out = append(out, inProse(scenarioComment(l), i+1, "a comment")...)
	}
	return out
}

// scenarioComment is the comment of a scenario line: from the first '#'
// outside a double-quoted token (a Go string literal, so a backslash
// escapes the next byte) to the end; "" if there is none.
func scenarioComment(l string) string {
	quoted := false
	for i := 0; i < len(l); i++ {
		switch c := l[i]; {
		case quoted && c == '\\':
			i++
		case c == '"':
			quoted = !quoted
		case !quoted && c == '#':
			return l[i:]
		}
	}
	return ""
}

// checkMarkdown: rule 1 everywhere, rule 2 in the text outside code.
func checkMarkdown(src []byte) []finding {
	out := everywhere(src)
	for i, l := range markdownProse(strings.Split(string(src), "\n")) {
		out = append(out, inProse(l, i+1, "the text")...)
	}
	return out
}

// markdownProse returns each line with its code removed: the lines of
// fenced blocks (``` or ~~~, indented or not) and of indented blocks (four
// spaces or a tab, starting after a blank line) become "", and code spans
// (a run of backticks up to the next run of the same length, across line
// breaks within a paragraph) are cut out of the rest.
func markdownProse(lines []string) []string {
	out := make([]string, len(lines))
	fence := ""       // the marker of the open fenced block, "" if none
	indented := false // inside an indented block
	prevBlank := true
	span := 0 // length of the backtick run of an open code span, 0 if none
	for i, l := range lines {
		trimmed := strings.TrimLeft(l, " ")
		blank := strings.TrimSpace(l) == ""
		switch {
		case fence != "":
			if strings.HasPrefix(trimmed, fence) {
				fence = ""
			}
			continue
		case span == 0 && (strings.HasPrefix(trimmed, "```") || strings.HasPrefix(trimmed, "~~~")):
			fence = trimmed[:3]
			continue
		case blank:
			indented, prevBlank, span = false, true, 0
			continue
		case span == 0 && (strings.HasPrefix(l, "    ") || strings.HasPrefix(l, "\t")) && (prevBlank || indented):
			indented, prevBlank = true, false
			continue
		}
		indented, prevBlank = false, false
		var b strings.Builder
		for j := 0; j < len(l); {
			if l[j] != '`' {
				if span == 0 {
					b.WriteByte(l[j])
				}
				j++
				continue
			}
			k := j
			for k < len(l) && l[k] == '`' {
				k++
			}
			switch run := k - j; {
			case span == 0:
				span = run
			case span == run:
				span = 0
			}
			j = k
		}
		out[i] = b.String()
	}
	return out
}

// TestRuleItself: the classifiers find what they must and leave code alone.
func TestRuleItself(t *testing.T) {
	tmp := machineDirs[2] + "f"
	out := outside[0] + "/spec/semantics.md"

	goSrc := "package p\n\n// see " + tmp + "\nvar p = \"" + tmp + "\"\nvar q = \"" + out + "\"\n/* line one\n" + tmp + " */\n"
	wantLines(t, "go", checkGo([]byte(goSrc)), 3, 5, 7)

	scen := "creat " + tmp + "   # " + tmp + "\nwrite f \"#" + tmp + "\"\n# " + out + "\n"
	wantLines(t, "scen", checkScenario([]byte(scen)), 1, 3)

	md := strings.Join([]string{
		"Prose " + tmp,                // 1: found
		"`creat " + tmp + "`, and `a", // 2: spans
		tmp + "` over a line break",   // 3: end of the span
		"",
		"    creat " + tmp, // 5: indented block
		"",
		"- item",
		"  ```",
		"  creat " + tmp, // 9: fenced, indented fence
		"  ```",
		"after " + tmp, // 11: found
		"see " + out,   // 12: rule 1
	}, "\n")
	wantLines(t, "md", checkMarkdown([]byte(md)), 1, 11, 12)
}

func wantLines(t *testing.T, kind string, got []finding, want ...int) {
	t.Helper()
	var lines []int
	for _, f := range got {
		lines = append(lines, f.line)
	}
	sort.Ints(lines)
	if len(lines) != len(want) {
		t.Errorf("%s: findings on lines %v, want %v", kind, lines, want)
		return
	}
	for i := range want {
		if lines[i] != want[i] {
			t.Errorf("%s: findings on lines %v, want %v", kind, lines, want)
			return
		}
	}
}
