package docs_test

import (
	"bufio"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// eachGoFile parses every non-test Go file of the module under root (not
// testdata, not hidden directories) and calls fn with its path relative to
// root.
func eachGoFile(t *testing.T, root string, fn func(rel string, fset *token.FileSet, f *ast.File)) {
	t.Helper()
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
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
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		fn(rel, fset, f)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// goDocs maps every top-level Go symbol of the module (outside tests) to
// its doc comment: "pkg.Func", "pkg.Type", "pkg.Type.Method" (receivers
// without * or type parameters).
func goDocs(t *testing.T, root string) map[string]string {
	t.Helper()
	docs := map[string]string{}
	dirOf := map[string]string{} // package name → directory, to catch clashes
	eachGoFile(t, root, func(rel string, _ *token.FileSet, f *ast.File) {
		pkg, dir := f.Name.Name, filepath.Dir(rel)
		if other, ok := dirOf[pkg]; ok && other != dir {
			t.Errorf("package name %s is used by %s and %s: the map cannot name symbols", pkg, other, dir)
		}
		dirOf[pkg] = dir
		for _, decl := range f.Decls {
			switch decl := decl.(type) {
			case *ast.FuncDecl:
				name := pkg + "." + decl.Name.Name
				if decl.Recv != nil && len(decl.Recv.List) == 1 {
					name = pkg + "." + recvName(decl.Recv.List[0].Type) + "." + decl.Name.Name
				}
				docs[name] = decl.Doc.Text()
			case *ast.GenDecl:
				for _, spec := range decl.Specs {
					if ts, ok := spec.(*ast.TypeSpec); ok {
						doc := ts.Doc.Text()
						if doc == "" {
							doc = decl.Doc.Text()
						}
						docs[pkg+"."+ts.Name.Name] = doc
					}
				}
			}
		}
	})
	return docs
}

func recvName(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.StarExpr:
		return recvName(e.X)
	case *ast.IndexExpr:
		return recvName(e.X)
	case *ast.IndexListExpr:
		return recvName(e.X)
	case *ast.Ident:
		return e.Name
	}
	return "?"
}

var mapRow = regexp.MustCompile("^\\| `([^`]+)` \\| `([^`]+)` \\|")

// TestKernelMap checks every row of kernel-map.md: the Go symbol exists and
// its doc comment names the kernel function (or struct) of the row.
func TestKernelMap(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	docs := goDocs(t, root)
	f, err := os.Open("kernel-map.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows := 0
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if !strings.HasPrefix(line, "| ") || strings.HasPrefix(line, "| Kernel") || strings.HasPrefix(line, "|---") {
			continue
		}
		m := mapRow.FindStringSubmatch(line)
		if m == nil {
			t.Errorf("kernel-map.md:%d: a row must be | `kernel name` | `go.Symbol` | notes |: %s", n, line)
			continue
		}
		rows++
		kernel := strings.TrimPrefix(m[1], "struct ")
		sym := strings.NewReplacer("(*", "", "(", "", ")", "").Replace(m[2])
		doc, ok := docs[sym]
		switch {
		case !ok:
			t.Errorf("kernel-map.md:%d: %s: no Go symbol %s", n, m[1], m[2])
		case !strings.Contains(doc, kernel):
			t.Errorf("kernel-map.md:%d: the doc comment of %s does not name %s", n, m[2], kernel)
		}
	}
	if rows < 50 {
		t.Errorf("kernel-map.md has %d rows; the seeds have more functions than that", rows)
	}
}
