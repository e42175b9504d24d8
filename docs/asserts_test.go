package docs_test

import (
	"go/ast"
	"go/token"
	"path/filepath"
	"regexp"
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
	checked := 0
	eachGoFile(t, root, func(rel string, fset *token.FileSet, f *ast.File) {
		// The validator's own mutexes are plain sync ones: it cannot
		// check itself.
		if filepath.Base(filepath.Dir(rel)) == "lockdep" {
			return
		}
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Doc == nil || fn.Body == nil || !holdRule.MatchString(fn.Doc.Text()) {
				continue
			}
			checked++
			if !callsAssertHeld(fn.Body) {
				t.Errorf("%s:%d: %s documents a lock the caller must hold but never calls lockdep.AssertHeld",
					rel, fset.Position(fn.Pos()).Line, fn.Name.Name)
			}
		}
	})
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
