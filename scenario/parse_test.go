package scenario

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/inosim/inosim/uapi"
)

func TestParseErrors(t *testing.T) {
	tests := []struct {
		src  string
		want string // the whole error text, errors joined by "\n"
	}{
		{"frobnicate /a", "t:1:1: unknown command frobnicate"},
		{"mkdir", "t:1:1: mkdir: missing operand (want mkdir PATH [MODE])"},
		{"mkdir /a 0755 x", `t:1:15: unexpected x (want mkdir PATH [MODE])`},
		{"mkdir /a 0789", `t:1:10: bad mode 0789 (want octal)`},
		{"  mkdir /a", "t:1:1: result line without a command above it"},
		{"\tw IN_CREATE", "t:1:1: result line without a command above it"},
		{"mkdir /a\npersonality linux", "t:2:1: personality must come before the first command"},
		{"personality linux\npersonality illumos", "t:2:1: duplicate personality"},
		{"personality solaris", "t:1:13: unknown personality solaris (want one of linux, linux-2.6.13, linux-2.6.18, linux-2.6.25, illumos)"},
		{"personality", "t:1:1: personality: missing operand"},
		{"mkdir /a\nbug head-merge", "t:2:1: bug must come before the first command"},
		{"bug", "t:1:1: bug: missing operand"},
		{"sysctl max_queued_events", "t:1:8: sysctl wants KEY=VALUE"},
		{"sysctl foo=1", "t:1:8: unknown sysctl foo (want max_queued_events, max_user_watches or max_user_instances)"},
		{"sysctl max_user_watches=-1", "t:1:8: sysctl value -1 is not a non-negative integer"},
		{"sysctl max_user_watches=x", "t:1:8: sysctl value x is not a non-negative integer"},
		{"sysctl max_queued_events=1\n  x IN_CREATE", "t:2:1: result line without a command above it"},
		{`mkdir "/a\q"`, `t:1:7: bad quoted token "/a\q"`},
		{`mkdir "/a`, `t:1:7: unterminated quoted token`},
		{`mkdir "/a"b`, `t:1:11: missing space after quoted token`},
		{`mkdir /a"b"`, `t:1:7: unexpected quote inside token`},
		{"mkdir /a\x01", `t:1:7: control character outside quotes`},
		{"mkdir /\xffa", `t:1:8: invalid UTF-8`},
		{"x = mkdir /a", "t:1:1: mkdir gives no fd or wd to bind"},
		{"1x = inotify_init", "t:1:1: bad name 1x: a name is a letter or '_' followed by letters, digits and '_'"},
		{"x =", "t:1:3: missing command after ="},
		{"=> ENOENT", "t:1:1: missing command before =>"},
		{"mkdir /a =>", "t:1:10: missing result after =>"},
		{"mkdir /a => ENOENT EEXIST", "t:1:20: unexpected EEXIST after the result"},
		{"mkdir /a => ENOPE", "t:1:13: unknown result ENOPE (want ok, an errno name, OOPS, DEADLOCK or a number)"},
		{"mkdir /a => 3", "t:1:13: a numeric result is only for fionread"},
		{"mkdir /a = b", `t:1:10: unexpected "="`},
		{"close f", "t:1:7: undefined name f"},
		{"close f.x", "t:1:7: bad fd or wd f.x (want a bound name or an integer)"},
		{"close 99999999999", "t:1:7: bad fd or wd 99999999999"},
		{"f = open /a O_BOGUS", "t:1:13: bad flag O_BOGUS"},
		{"f = open /a", "t:1:5: open: missing operand (want open PATH FLAGS [MODE])"},
		{"i = inotify_init IN_BOGUS", "t:1:18: bad flag IN_BOGUS"},
		{"i = inotify_init\nw = inotify_add_watch i /a IN_BOGUS", `t:2:28: bad mask: unknown mask name "IN_BOGUS"`},
		{"i = inotify_init\nread i -1", "t:2:8: read size must not be negative"},
		{"utimes /a ctime", "t:1:11: utimes wants both, atime or mtime, not ctime"},
		{"rename /a /b swap", "t:1:14: rename wants noreplace or exchange, not swap"},
		{"mount ext4 /a", "t:1:7: only tmpfs can be mounted, not ext4"},
		{"umount -f /a", "t:1:8: umount's only option is -l, not -f"},
		{"as root", "t:1:4: bad UID[:GID] root"},
		{"as -1", "t:1:4: bad UID[:GID] -1"},
		{"chown /a 1", "t:1:10: chown wants UID:GID"},
		{"chown /a 1:x", "t:1:10: bad UID:GID 1:x"},
		{"lseek 3 x", "t:1:9: bad number x"},
		{"mkdir /a\n  w IN_CREATE", "t:2:3: result line under mkdir: only read has event lines"},
		{"mkdir /a => ENOENT\n  => EEXIST", "t:2:3: second result for one command"},
		{"i = inotify_init\nread i\n  v IN_CREATE", "t:3:3: undefined name v"},
		{"i = inotify_init\nread i\n  i", "t:3:3: event line wants WD MASK [cookie=LABEL] [NAME]"},
		{"i = inotify_init\nread i\n  i IN_NOPE", `t:3:5: bad mask: unknown mask name "IN_NOPE"`},
		{"i = inotify_init\nread i\n  i IN_CREATE cookie= a", "t:3:15: empty cookie label"},
		{"i = inotify_init\nread i\n  i IN_CREATE a b", "t:3:17: unexpected b after the event's name"},
		{"i = inotify_init\nread i\n  i IN_CREATE cookie=c1 cookie=c2", "t:3:25: cookie= must come before the name (quote a name that starts with cookie=)"},
		{"i = inotify_init\nread i\n  i IN_CREATE =>", "t:3:15: unexpected => in an event line"},
		{"i = inotify_init\nfionread i => x1", "t:2:15: unknown result x1 (want ok, an errno name, OOPS, DEADLOCK or a number)"},
		// One error per line, parsing goes on; a broken command's results are skipped.
		{"bogus\n  w IN_CREATE\nmkdir\nmkdir /ok", "t:1:1: unknown command bogus\nt:3:1: mkdir: missing operand (want mkdir PATH [MODE])"},
		{"f = open /a O_BOGUS\nclose f\nclose g", "t:1:13: bad flag O_BOGUS\nt:3:7: undefined name g"},
		{strings.Repeat("bogus\n", 15), strings.TrimSuffix(strings.Repeat("t:N:1: unknown command bogus\n", 10), "\n")},
	}
	for _, tt := range tests {
		f, err := Parse("t", []byte(tt.src))
		if err == nil {
			t.Errorf("Parse(%q) succeeded, want %q", tt.src, tt.want)
			continue
		}
		if f != nil {
			t.Errorf("Parse(%q) returned a File with an error", tt.src)
		}
		var list ErrorList
		if !errors.As(err, &list) {
			t.Errorf("Parse(%q) error is %T, want ErrorList", tt.src, err)
		}
		got := err.Error()
		if strings.Contains(tt.want, "t:N:") {
			for i := range list {
				list[i].Pos.Line = 0
			}
			got = strings.ReplaceAll(list.Error(), "t:0:", "t:N:")
		}
		if got != tt.want {
			t.Errorf("Parse(%q):\n got %s\nwant %s", tt.src, got, tt.want)
		}
	}
}

func TestParseFields(t *testing.T) {
	pre := "i = inotify_init\nf = open / O_RDONLY\nw = inotify_add_watch i / IN_CREATE\n"
	tests := []struct {
		line string
		want Command // only the typed fields are compared
	}{
		{"mkdir /d", Command{Op: OpMkdir, Path: "/d", Mode: 0o755}},
		{"mkdir d 644", Command{Op: OpMkdir, Path: "d", Mode: 0o644}},
		{"rmdir /d", Command{Op: OpRmdir, Path: "/d"}},
		{"g = open /a O_WRONLY|O_CREAT|O_EXCL", Command{Bind: "g", Op: OpOpen, Path: "/a", Flags: uapi.O_WRONLY | uapi.O_CREAT | uapi.O_EXCL, Mode: 0o644}},
		{"g = open /a O_RDWR|O_TRUNC|O_APPEND|O_DIRECTORY|O_NOFOLLOW 0600", Command{Bind: "g", Op: OpOpen, Path: "/a",
			Flags: uapi.O_RDWR | uapi.O_TRUNC | uapi.O_APPEND | uapi.O_DIRECTORY | uapi.O_NOFOLLOW, Mode: 0o600}},
		{"g = open /a 65", Command{Bind: "g", Op: OpOpen, Path: "/a", Flags: 65, Mode: 0o644}},
		{"creat /a", Command{Op: OpCreat, Path: "/a", Mode: 0o644}},
		{"creat /a 0", Command{Op: OpCreat, Path: "/a", Mode: 0}},
		{"write f \"a\\tb\"", Command{Op: OpWrite, FD: Ref{Name: "f"}, Data: "a\tb"}},
		{"read f 10", Command{Op: OpRead, FD: Ref{Name: "f"}, N: 10, HasN: true}},
		{"read i", Command{Op: OpRead, FD: Ref{Name: "i"}}},
		{"read -1", Command{Op: OpRead, FD: Ref{Num: -1}}},
		{"lseek f -3", Command{Op: OpLseek, FD: Ref{Name: "f"}, N: -3, HasN: true}},
		{"close 7", Command{Op: OpClose, FD: Ref{Num: 7}}},
		{"cd ..", Command{Op: OpCd, Path: ".."}},
		{"truncate /a 100", Command{Op: OpTruncate, Path: "/a", N: 100, HasN: true}},
		{"ftruncate f 0", Command{Op: OpFtruncate, FD: Ref{Name: "f"}, HasN: true}},
		{"chmod /a 4755", Command{Op: OpChmod, Path: "/a", Mode: 0o4755}},
		{"fchmod f 0", Command{Op: OpFchmod, FD: Ref{Name: "f"}}},
		{"chown /a 1:2", Command{Op: OpChown, Path: "/a", UID: 1, GID: 2}},
		{"chown /a -1:-1", Command{Op: OpChown, Path: "/a", UID: 0xffffffff, GID: 0xffffffff}},
		{"utimes /a", Command{Op: OpUtimes, Path: "/a", Times: TimeBoth}},
		{"utimes /a atime", Command{Op: OpUtimes, Path: "/a", Times: TimeAtime}},
		{"utimes /a mtime", Command{Op: OpUtimes, Path: "/a", Times: TimeMtime}},
		{"link /a /b", Command{Op: OpLink, Path: "/a", NewPath: "/b"}},
		{"symlink ../x /b", Command{Op: OpSymlink, Target: "../x", Path: "/b"}},
		{"mkfifo /p", Command{Op: OpMkfifo, Path: "/p", Mode: 0o644}},
		{"unlink /a", Command{Op: OpUnlink, Path: "/a"}},
		{"rename /a /b", Command{Op: OpRename, Path: "/a", NewPath: "/b"}},
		{"rename /a /b noreplace", Command{Op: OpRename, Path: "/a", NewPath: "/b", Flags: uapi.RENAME_NOREPLACE}},
		{"rename /a /b exchange", Command{Op: OpRename, Path: "/a", NewPath: "/b", Flags: uapi.RENAME_EXCHANGE}},
		{"readdir /", Command{Op: OpReaddir, Path: "/"}},
		{"mount tmpfs /m", Command{Op: OpMount, FSType: "tmpfs", Path: "/m"}},
		{"umount /m", Command{Op: OpUmount, Path: "/m"}},
		{"umount -l /m", Command{Op: OpUmount, Path: "/m", Flags: uapi.MNT_DETACH}},
		{"umount -l", Command{Op: OpUmount, Path: "-l"}},
		{"as 1000", Command{Op: OpAs, UID: 1000, GID: 1000}},
		{"as 1000:5", Command{Op: OpAs, UID: 1000, GID: 5}},
		{"j = inotify_init", Command{Bind: "j", Op: OpInotifyInit}},
		{"j = inotify_init IN_NONBLOCK|IN_CLOEXEC", Command{Bind: "j", Op: OpInotifyInit, Flags: uapi.IN_NONBLOCK | uapi.IN_CLOEXEC}},
		{"j = inotify_init 2048", Command{Bind: "j", Op: OpInotifyInit, Flags: 2048}},
		{"v = inotify_add_watch i /d IN_MOVE|0x1000", Command{Bind: "v", Op: OpInotifyAddWatch, FD: Ref{Name: "i"}, Path: "/d", Mask: uapi.IN_MOVE | 0x1000}},
		{"inotify_add_watch -1 /a IN_CREATE", Command{Op: OpInotifyAddWatch, FD: Ref{Num: -1}, Path: "/a", Mask: uapi.IN_CREATE}},
		{"inotify_rm_watch i w", Command{Op: OpInotifyRmWatch, FD: Ref{Name: "i"}, WD: Ref{Name: "w"}}},
		{"inotify_rm_watch i 99", Command{Op: OpInotifyRmWatch, FD: Ref{Name: "i"}, WD: Ref{Num: 99}}},
		{"fionread i", Command{Op: OpFionread, FD: Ref{Name: "i"}}},
		{"setnextwd i 5", Command{Op: OpSetnextwd, FD: Ref{Name: "i"}, N: 5, HasN: true}},
	}
	for _, tt := range tests {
		f, err := Parse("t", []byte(pre+tt.line+"\n"))
		if err != nil {
			t.Errorf("%s: %v", tt.line, err)
			continue
		}
		got := *f.Commands[3]
		got.Index, got.Pos, got.Args, got.toks, got.src, got.srcEnd = 0, Pos{}, nil, nil, "", 0
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tt.line, got, tt.want)
		}
	}
}

func TestParseStructure(t *testing.T) {
	src := "# c\n\npersonality linux-2.6.13\nsysctl max_user_instances=3\ni = inotify_init => EMFILE # x\nread i 0\n  => EINVAL\nfionread i => 12\nread i\n  -1 IN_Q_OVERFLOW\n"
	f, err := Parse("t", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	kinds := []LineKind{CommentLine, BlankLine, PersonalityLine, SysctlLine, CommandLine, CommandLine, ResultLine, CommandLine, CommandLine, ResultLine}
	if len(f.Lines) != len(kinds) {
		t.Fatalf("%d lines, want %d", len(f.Lines), len(kinds))
	}
	for i, l := range f.Lines {
		if l.Kind != kinds[i] || l.Num != i+1 {
			t.Errorf("line %d: kind %v num %d, want %v", i+1, l.Kind, l.Num, kinds[i])
		}
	}
	if f.Personality != "linux-2.6.13" || f.Lines[2].Personality != "linux-2.6.13" {
		t.Errorf("personality %q", f.Personality)
	}
	if l := f.Lines[3]; l.Key != uapi.SysctlMaxUserInstances || l.Value != 3 {
		t.Errorf("sysctl %q=%d", l.Key, l.Value)
	}
	c := f.Commands
	if len(c) != 4 || c[0].Pos != (Pos{5, 1}) || c[0].Expect.Errno != "EMFILE" || c[0].Expect.Pos != (Pos{5, 21}) {
		t.Errorf("commands: %+v", c)
	}
	if f.Lines[6].Cmd != c[1] || c[1].Expect.Errno != "EINVAL" || c[1].Expect.Pos != (Pos{7, 6}) {
		t.Errorf("indented result: %+v", c[1].Expect)
	}
	if e := c[2].Expect; !e.HasValue || e.Value != 12 || e.Errno != "" {
		t.Errorf("fionread: %+v", e)
	}
	if ev := c[3].Events; len(ev) != 1 || ev[0] != (EventLine{Pos: Pos{10, 3}, Wd: Ref{Num: -1}, Mask: uapi.IN_Q_OVERFLOW}) {
		t.Errorf("events: %+v", ev)
	}
	if f2, _ := Parse("t", nil); f2 == nil || f2.Personality != "linux" || len(f2.Lines) != 0 {
		t.Errorf("empty file: %+v", f2)
	}
}

func TestCRLFAndNoFinalNewline(t *testing.T) {
	f, err := Parse("t", []byte("mkdir /a\r\nmkdir /b"))
	if err != nil {
		t.Fatal(err)
	}
	if got := Print(f, nil); got != "mkdir /a\nmkdir /b\n" {
		t.Errorf("got %q", got)
	}
}

func TestQuote(t *testing.T) {
	for s, want := range map[string]string{
		"a":          "a",
		"/a/b.c-d_e": "/a/b.c-d_e",
		"":           `""`,
		"a b":        `"a b"`,
		"a\tb":       `"a\tb"`,
		`a"b`:        `"a\"b"`,
		"a#b":        `"a#b"`,
		`a\b`:        `"a\\b"`,
		"it's":       `"it's"`,
		"a`b":        "\"a`b\"",
		"=":          `"="`,
		"=>":         `"=>"`,
		"==":         "==",
		"a=b":        "a=b",
		"cookie=c1":  `"cookie=c1"`,
		"cookie":     "cookie",
		"café":       `"café"`,
		"\x7f":       `"\x7f"`,
		"\xff":       `"\xff"`,
	} {
		if got := Quote(s); got != want {
			t.Errorf("Quote(%q) = %s, want %s", s, got, want)
		}
		l, _, msg := lexLine("x " + Quote(s))
		if msg != "" || len(l.toks) != 2 || l.toks[1].text != s {
			t.Errorf("lexing Quote(%q) back: %+v %s", s, l.toks, msg)
		}
	}
}

// TestOopsResult: "=> OOPS" is a result (a call that oopsed the kernel);
// the interpreter shows ErrOops, wrapped or not, as it, and Print writes it
// back.
func TestOopsResult(t *testing.T) {
	src := "f = open /f O_RDONLY|O_CREAT\ninotify_add_watch f / IN_CREATE => OOPS\n"
	f, err := Parse("t", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Commands[1].Expect.Errno; got != Oops {
		t.Errorf("expectation %q, want %q", got, Oops)
	}
	if o := errOutcome(fmt.Errorf("%w: in sys_inotify_add_watch", ErrOops)); o.Err != Oops {
		t.Errorf("errOutcome of a wrapped ErrOops = %q", o.Err)
	}
	if got := Print(f, f.ExpectedAll()); got != src {
		t.Errorf("Print = %q, want %q", got, src)
	}
}
