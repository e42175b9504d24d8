package scenario

import (
	"errors"
	"regexp"
	"testing"
)

var errorForm = regexp.MustCompile(`^fuzz\.scen:[1-9]\d*:[1-9]\d*: `)

// FuzzParse: Parse never panics; its errors read FILE:LINE:COL: message; a
// file it accepts prints to a transcript it accepts again, and printing is
// then a fixed point.
func FuzzParse(f *testing.F) {
	for _, s := range fixedPoints {
		f.Add(s)
	}
	for _, s := range []string{
		"", "\n", "#", "  x", "mkdir \"a\\", "i = inotify_init\nread i\n  i IN_CREATE cookie=c \"cookie=d\"",
		"read i\n\n# c\n  w 0x1 a", "i=inotify_init", "i = inotify_init\nread i # c\n# d\n  i 1\n# e\n  i 2 cookie=z\n",
		"mkdir /a#b", "mkdir /a => EEXIST#b", "mkdir \"\\u00e9\" \"\\U0001F600\"", "personality linux\r\nmkdir /\r\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		file, err := Parse("fuzz.scen", []byte(src))
		if err != nil {
			var list ErrorList
			if !errors.As(err, &list) || len(list) == 0 || len(list) > MaxErrors {
				t.Fatalf("error %T with %d entries", err, len(list))
			}
			for _, e := range list {
				if !errorForm.MatchString(e.Error()) {
					t.Fatalf("bad error form: %q", e.Error())
				}
			}
			return
		}
		out := Print(file, file.ExpectedAll())
		file2, err := Parse("fuzz.scen", []byte(out))
		if err != nil {
			t.Fatalf("printed transcript does not parse: %v\ninput:\n%q\nprinted:\n%q", err, src, out)
		}
		if len(file2.Commands) != len(file.Commands) {
			t.Fatalf("%d commands, reparsed %d", len(file.Commands), len(file2.Commands))
		}
		out2 := Print(file2, file2.ExpectedAll())
		if out2 != out {
			t.Fatalf("printing is not a fixed point:\n%s", Diff("first", out, "second", out2))
		}
		if !Equal(out, out2) || Diff("a", out, "b", out2) != "" {
			t.Fatal("Equal or Diff disagrees with ==")
		}
	})
}
