package scenario

import (
	"os"
	"strings"
	"testing"

	"github.com/inosim/inosim/uapi"
)

// fixedPoints are transcripts as run prints them: printing each with the
// outcomes it expects must give it back. The scenario spec's example is
// in testdata, where simrun's test runs it too.
var fixedPoints = map[string]string{
	"every command": `# every command once
personality linux-2.6.18
sysctl max_queued_events=16

mkdir /d
mkdir /e 0700   # mode
rmdir /e
f = open /d/a O_WRONLY|O_CREAT|O_TRUNC 0600
g = open /d/a 0x42
h = open /d O_RDONLY|O_DIRECTORY|O_NOFOLLOW|O_EXCL|O_APPEND|O_RDWR
creat /d/b
creat /d/c 640
write f hello
write f "hello, world\n"
read f 5
read f 0
lseek f 0
lseek f -1 => EINVAL
close f
close 99 => EBADF
cd /d
cd ..
truncate /d/a 10
truncate /d/a -1 => EINVAL
ftruncate g 3
chmod /d/a 755
fchmod g 0444
chown /d/a 1000:1000
chown /d/a -1:5
utimes /d/a
utimes /d/a both
utimes /d/a atime
utimes /d/a mtime
link /d/a /d/l
symlink /d/a /d/s
symlink "" /d/empty => ENOENT
mkfifo /d/p
mkfifo /d/q 600
unlink /d/l
rename /d/a /d/z
rename /d/z /d/b noreplace => EEXIST
rename /d/z /d/b exchange
readdir /d
mount tmpfs /d
umount /d
umount -l /d => EINVAL
as 1000
as 1000:100
as 0:0
sysctl max_user_watches=8192
sysctl max_user_instances=0
i = inotify_init
j = inotify_init IN_NONBLOCK|IN_CLOEXEC
k = inotify_init 0x800
w = inotify_add_watch i /d IN_CREATE|IN_DELETE
w2 = inotify_add_watch i /d/b 0x3
inotify_add_watch -1 /a IN_CREATE => EBADF
inotify_rm_watch i w
inotify_rm_watch i 99 => EINVAL
setnextwd i 7
setnextwd j -5 => EINVAL
fionread i => 32
fionread 1000 => EBADF
read i
read i 16 => EINVAL
read j 4096
close i
`,
	"events": `mkdir /d
i = inotify_init
w = inotify_add_watch i /d IN_ALL_EVENTS|IN_ONESHOT
read i
  w IN_CREATE|IN_ISDIR sub
  w IN_MOVED_FROM cookie=c1 a
  3 IN_MOVED_TO cookie=c1 b
  w IN_MOVED_FROM cookie=c2 x
  -1 IN_Q_OVERFLOW
  w IN_DELETE_SELF
  w IN_IGNORED
  w IN_CREATE|0x1000 odd
  w 0
read i
  w IN_MOVED_TO cookie=c2 y
  w IN_MOVED_TO cookie=c3 z
`,
	"quoting": `mkdir "/a b"
mkdir "/tab\there"
mkdir "/quote\"d"
mkdir "/hash#"
mkdir "/back\\slash"
mkdir "/it's"
mkdir "/back` + "`" + `tick"
mkdir "/café"
mkdir "/\x01\xff"
mkdir ""
mkdir "="
mkdir "=>"
mkdir "cookie=c1"
mkdir /cookie=ok
mkdir /plain-token_1.2
i = inotify_init
w = inotify_add_watch i / IN_CREATE
read i
  w IN_CREATE|IN_ISDIR "a b"
  w IN_CREATE|IN_ISDIR "quote\"d"
  w IN_CREATE|IN_ISDIR "hash#"
  w IN_CREATE|IN_ISDIR "café"
  w IN_CREATE|IN_ISDIR "="
  w IN_CREATE|IN_ISDIR "=>"
  w IN_CREATE|IN_ISDIR "cookie=c1"
  w IN_CREATE|IN_ISDIR cookie=c1 "cookie=c2"
  w IN_CREATE|IN_ISDIR cookie=c1 "=>"
write 3 ""
write 3 "\x00\n"
`,
	"comments and layout": `# header comment

personality illumos   # trailing comment on a header
  # indented comment

mkdir /d  # make it
mkdir /d => EEXIST # already there
i = inotify_init
w = inotify_add_watch i /d IN_CREATE
creat /d/a
read i   # drain
# the events:
  w IN_CREATE a
  w IN_OPEN a
  # after the events
sysctl max_queued_events=1

read i
fionread i => 0 #nothing left
`,
	"empty": ``,
	"rebinding": `i = inotify_init
i = inotify_init
f = open /missing O_RDONLY => ENOENT
close f => EBADF
f = open / O_RDONLY
w = inotify_add_watch i / IN_ONLYDIR
w = inotify_add_watch i / IN_MASK_ADD|IN_ATTRIB
w = inotify_add_watch i / IN_MASK_CREATE => EEXIST
read i
  w IN_ATTRIB
`,
}

func init() {
	b, err := os.ReadFile("testdata/spec-example.scen")
	if err != nil {
		panic(err)
	}
	fixedPoints["spec example"] = string(b)
}

func TestFixedPoint(t *testing.T) {
	for name, src := range fixedPoints {
		t.Run(name, func(t *testing.T) {
			f, err := Parse(name+".scen", []byte(src))
			if err != nil {
				t.Fatal(err)
			}
			got := Print(f, f.ExpectedAll())
			if got != src {
				t.Errorf("print(parse(x)) != x:\n%s", Diff("want", src, "got", got))
			}
			for i := range f.Commands {
				if a, b := f.Expected(i), f.ExpectedAll()[i]; !equalOutcome(a, b) {
					t.Errorf("Expected(%d) = %+v, ExpectedAll()[%d] = %+v", i, a, i, b)
				}
			}
			// And again: printing is stable.
			f2, err := Parse(name+".scen", []byte(got))
			if err != nil {
				t.Fatal(err)
			}
			if again := Print(f2, f2.ExpectedAll()); again != got {
				t.Errorf("second print differs:\n%s", Diff("first", got, "second", again))
			}
		})
	}
}

func equalOutcome(a, b Outcome) bool {
	if a.Err != b.Err || a.Value != b.Value || a.HasValue != b.HasValue || len(a.Events) != len(b.Events) {
		return false
	}
	for i := range a.Events {
		if a.Events[i] != b.Events[i] {
			return false
		}
	}
	return true
}

// A transcript that is not canonical comes out canonical, with old results
// replaced by the actual ones.
func TestPrintActual(t *testing.T) {
	src := `personality linux	# tabs kept in headers
i   =   inotify_init   # bind
w = inotify_add_watch i "/d" IN_CREATE
mkdir /d => ok
mkdir /d
read i
	w IN_DELETE stale
    w IN_DELETE stale2
fionread i
fionread i => 99
read i 64
  => EAGAIN
`
	f, err := Parse("a.scen", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	outs := []Outcome{
		{},
		{},
		{},
		{Err: "EEXIST"},
		{Events: []Event{
			{Event: uapi.Event{Wd: 1, Mask: uapi.IN_MOVED_FROM, Cookie: 77, Name: "a b"}, WdName: "w"},
			{Event: uapi.Event{Wd: 2, Mask: uapi.IN_MOVED_TO, Cookie: 77, Name: "b"}},
			{Event: uapi.Event{Wd: 1, Mask: uapi.IN_MOVED_FROM, Cookie: 5, Name: "cookie=x"}, WdName: "w"},
			{Event: uapi.Event{Wd: -1, Mask: uapi.IN_Q_OVERFLOW}},
			{Event: uapi.Event{Wd: 1, Mask: uapi.IN_IGNORED | 0x800000}, WdName: "w"},
		}},
		{Value: 0, HasValue: true},
		{Value: 32, HasValue: true},
		// The last command has no outcome: it prints its own expectation.
	}
	// Commands are kept as written: only results are written anew.
	want := `personality linux	# tabs kept in headers
i   =   inotify_init   # bind
w = inotify_add_watch i "/d" IN_CREATE
mkdir /d
mkdir /d => EEXIST
read i
  w IN_MOVED_FROM cookie=c1 "a b"
  2 IN_MOVED_TO cookie=c1 b
  w IN_MOVED_FROM cookie=c2 "cookie=x"
  -1 IN_Q_OVERFLOW
  w 0x800000|IN_IGNORED
fionread i => 0
fionread i => 32
read i 64 => EAGAIN
`
	// 0x800000 is above IN_IGNORED: ascending order puts IN_IGNORED first.
	want = strings.Replace(want, "w 0x800000|IN_IGNORED", "w IN_IGNORED|0x800000", 1)
	if got := Print(f, outs); got != want {
		t.Errorf("Print:\n%s", Diff("want", want, "got", got))
	}
}

func TestCommandString(t *testing.T) {
	f, err := Parse("s", []byte("f  =  open \"/a b\"\tO_RDONLY => ENOENT # c\n"))
	if err != nil {
		t.Fatal(err)
	}
	c := f.Commands[0]
	if got, want := c.String(), `f = open "/a b" O_RDONLY`; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if c.Comment != "# c" || c.Gap != " " {
		t.Errorf("comment %q gap %q", c.Comment, c.Gap)
	}
}
