package docs_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// holdRule matches the doc-comment forms of a locking precondition.
var holdRule = regexp.MustCompile(`(?i)caller (must hold|holds)|precondition:`)

// TestPreconditionsAreAsserted: every function whose doc comment says the
// caller must hold a lock ("Caller must hold X", "Caller holds X",
// "Precondition: X is held") checks it with lockdep.AssertHeld, so the
// contract cannot drift from the code.
func TestPreconditionsAreAsserted(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	checked := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); path != root && (strings.HasPrefix(n, ".") || n == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		// The validator's own mutexes are plain sync ones: it cannot
		// check itself.
		if filepath.Base(filepath.Dir(path)) == "lockdep" {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
		if err != nil {
			return err
		}
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Doc == nil || fn.Body == nil || !holdRule.MatchString(fn.Doc.Text()) {
				continue
			}
			checked++
			if !callsAssertHeld(fn.Body) {
				rel, _ := filepath.Rel(root, path)
				t.Errorf("%s:%d: %s documents a lock the caller must hold but never calls lockdep.AssertHeld",
					rel, fset.Position(fn.Pos()).Line, fn.Name.Name)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked == 0 {
		t.Fatal("no function documents a lock precondition: is the pattern still right?")
	}
}

func callsAssertHeld(body *ast.BlockStmt) bool {
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		if c, ok := n.(*ast.CallExpr); ok {
			if sel, ok := c.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "AssertHeld" {
				found = true
			}
		}
		return !found
	})
	return found
}
