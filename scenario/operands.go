package scenario

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/inosim/inosim/uapi"
)

// opParser checks a command's operands and fills its typed fields; on error
// it returns the column of the offending token and a message.
type opParser func(p *parser, c *Command, op token, args []token) (int, string)

// ops is the one table of commands.
var ops map[string]opParser

func init() {
	ops = map[string]opParser{
		OpMkdir:   pathMode(0o755),
		OpCreat:   pathMode(0o644),
		OpMkfifo:  pathMode(0o644),
		OpRmdir:   pathOnly,
		OpCd:      pathOnly,
		OpUnlink:  pathOnly,
		OpReaddir: pathOnly,
		OpOpen: func(p *parser, c *Command, op token, a []token) (int, string) {
			if col, msg := arity(op, a, 2, 3, "PATH FLAGS [MODE]"); msg != "" {
				return col, msg
			}
			c.Path, c.Mode = a[0].text, 0o644
			v, err := parseFlags(a[1].text, openFlagNames)
			if err != "" {
				return a[1].col, err
			}
			c.Flags = v
			if len(a) == 3 {
				return mode(c, a[2])
			}
			return 0, ""
		},
		OpWrite: func(p *parser, c *Command, op token, a []token) (int, string) {
			if col, msg := arity(op, a, 2, 2, "F DATA"); msg != "" {
				return col, msg
			}
			c.Data = a[1].text
			return p.fd(c, a[0])
		},
		OpRead: func(p *parser, c *Command, op token, a []token) (int, string) {
			if col, msg := arity(op, a, 1, 2, "FD [N]"); msg != "" {
				return col, msg
			}
			if len(a) == 2 {
				c.HasN = true
				if col, msg := number(&c.N, a[1]); msg != "" {
					return col, msg
				}
				if c.N < 0 {
					return a[1].col, "read size must not be negative"
				}
			}
			return p.fd(c, a[0])
		},
		OpLseek:     fdNumber("F OFFSET"),
		OpFtruncate: fdNumber("F LEN"),
		OpSetnextwd: fdNumber("I N"),
		OpClose:     fdOnly("F"),
		OpFionread:  fdOnly("I"),
		OpTruncate: func(p *parser, c *Command, op token, a []token) (int, string) {
			if col, msg := arity(op, a, 2, 2, "PATH LEN"); msg != "" {
				return col, msg
			}
			c.Path, c.HasN = a[0].text, true
			return number(&c.N, a[1])
		},
		OpChmod: func(p *parser, c *Command, op token, a []token) (int, string) {
			if col, msg := arity(op, a, 2, 2, "PATH MODE"); msg != "" {
				return col, msg
			}
			c.Path = a[0].text
			return mode(c, a[1])
		},
		OpFchmod: func(p *parser, c *Command, op token, a []token) (int, string) {
			if col, msg := arity(op, a, 2, 2, "F MODE"); msg != "" {
				return col, msg
			}
			if col, msg := p.fd(c, a[0]); msg != "" {
				return col, msg
			}
			return mode(c, a[1])
		},
		OpChown: func(p *parser, c *Command, op token, a []token) (int, string) {
			if col, msg := arity(op, a, 2, 2, "PATH UID:GID"); msg != "" {
				return col, msg
			}
			c.Path = a[0].text
			u, g, ok := strings.Cut(a[1].text, ":")
			if !ok {
				return a[1].col, "chown wants UID:GID"
			}
			var okU, okG bool
			c.UID, okU = id(u, true)
			c.GID, okG = id(g, true)
			if !okU || !okG {
				return a[1].col, "bad UID:GID " + Quote(a[1].text)
			}
			return 0, ""
		},
		OpUtimes: func(p *parser, c *Command, op token, a []token) (int, string) {
			if col, msg := arity(op, a, 1, 2, "PATH [both|atime|mtime]"); msg != "" {
				return col, msg
			}
			c.Path, c.Times = a[0].text, TimeBoth
			if len(a) == 2 {
				switch a[1].text {
				case "both":
				case "atime":
					c.Times = TimeAtime
				case "mtime":
					c.Times = TimeMtime
				default:
					return a[1].col, "utimes wants both, atime or mtime, not " + Quote(a[1].text)
				}
			}
			return 0, ""
		},
		OpLink: twoPaths,
		OpSymlink: func(p *parser, c *Command, op token, a []token) (int, string) {
			if col, msg := arity(op, a, 2, 2, "TARGET PATH"); msg != "" {
				return col, msg
			}
			c.Target, c.Path = a[0].text, a[1].text
			return 0, ""
		},
		OpRename: func(p *parser, c *Command, op token, a []token) (int, string) {
			if col, msg := arity(op, a, 2, 3, "OLD NEW [noreplace|exchange]"); msg != "" {
				return col, msg
			}
			c.Path, c.NewPath = a[0].text, a[1].text
			if len(a) == 3 {
				switch a[2].text {
				case "noreplace":
					c.Flags = uapi.RENAME_NOREPLACE
				case "exchange":
					c.Flags = uapi.RENAME_EXCHANGE
				default:
					return a[2].col, "rename wants noreplace or exchange, not " + Quote(a[2].text)
				}
			}
			return 0, ""
		},
		OpMount: func(p *parser, c *Command, op token, a []token) (int, string) {
			if col, msg := arity(op, a, 2, 2, "tmpfs PATH"); msg != "" {
				return col, msg
			}
			if a[0].text != "tmpfs" {
				return a[0].col, "only tmpfs can be mounted, not " + Quote(a[0].text)
			}
			c.FSType, c.Path = a[0].text, a[1].text
			return 0, ""
		},
		OpUmount: func(p *parser, c *Command, op token, a []token) (int, string) {
			if col, msg := arity(op, a, 1, 2, "[-l] PATH"); msg != "" {
				return col, msg
			}
			if len(a) == 2 {
				if a[0].text != "-l" {
					return a[0].col, "umount's only option is -l, not " + Quote(a[0].text)
				}
				c.Flags = uapi.MNT_DETACH
				a = a[1:]
			}
			c.Path = a[0].text
			return 0, ""
		},
		OpAs: func(p *parser, c *Command, op token, a []token) (int, string) {
			if col, msg := arity(op, a, 1, 1, "UID[:GID]"); msg != "" {
				return col, msg
			}
			u, g, hasG := strings.Cut(a[0].text, ":")
			var okU, okG bool
			c.UID, okU = id(u, false)
			c.GID, okG = c.UID, true
			if hasG {
				c.GID, okG = id(g, false)
			}
			if !okU || !okG {
				return a[0].col, "bad UID[:GID] " + Quote(a[0].text)
			}
			return 0, ""
		},
		OpInotifyInit: func(p *parser, c *Command, op token, a []token) (int, string) {
			if col, msg := arity(op, a, 0, 1, "[FLAGS]"); msg != "" {
				return col, msg
			}
			if len(a) == 1 {
				v, err := parseFlags(a[0].text, initFlagNames)
				if err != "" {
					return a[0].col, err
				}
				c.Flags = v
			}
			return 0, ""
		},
		OpInotifyAddWatch: func(p *parser, c *Command, op token, a []token) (int, string) {
			if col, msg := arity(op, a, 3, 3, "I PATH MASK"); msg != "" {
				return col, msg
			}
			if col, msg := p.fd(c, a[0]); msg != "" {
				return col, msg
			}
			c.Path = a[1].text
			m, err := uapi.ParseMask(a[2].text)
			if err != nil {
				return a[2].col, "bad mask: " + err.Error()
			}
			c.Mask = m
			return 0, ""
		},
		OpTick: func(p *parser, c *Command, op token, a []token) (int, string) {
			if col, msg := arity(op, a, 0, 1, "[N]"); msg != "" {
				return col, msg
			}
			c.N, c.HasN = 1, true
			if len(a) == 1 {
				if col, msg := number(&c.N, a[0]); msg != "" {
					return col, msg
				}
				if c.N < 1 {
					return a[0].col, "tick wants a number of seconds ≥ 1"
				}
			}
			return 0, ""
		},
		OpIocAddWatch: func(p *parser, c *Command, op token, a []token) (int, string) {
			if col, msg := arity(op, a, 3, 3, "I F MASK"); msg != "" {
				return col, msg
			}
			if col, msg := p.fdAndFile(c, a[0], a[1]); msg != "" {
				return col, msg
			}
			m, err := uapi.ParseMask(a[2].text)
			if err != nil {
				return a[2].col, "bad mask: " + err.Error()
			}
			c.Mask = m
			return 0, ""
		},
		OpIocAddChild: func(p *parser, c *Command, op token, a []token) (int, string) {
			if col, msg := arity(op, a, 3, 3, "I F NAME"); msg != "" {
				return col, msg
			}
			if col, msg := p.fdAndFile(c, a[0], a[1]); msg != "" {
				return col, msg
			}
			c.Path = a[2].text
			return 0, ""
		},
		OpIocActivate:    fdAndWd,
		OpInotifyRmWatch: fdAndWd,
	}
}

var openFlagNames = map[string]uint32{
	"O_RDONLY": uapi.O_RDONLY, "O_WRONLY": uapi.O_WRONLY, "O_RDWR": uapi.O_RDWR,
	"O_CREAT": uapi.O_CREAT, "O_EXCL": uapi.O_EXCL, "O_TRUNC": uapi.O_TRUNC,
	"O_APPEND": uapi.O_APPEND, "O_NONBLOCK": uapi.O_NONBLOCK, "O_DIRECTORY": uapi.O_DIRECTORY,
	"O_NOFOLLOW": uapi.O_NOFOLLOW, "O_CLOEXEC": uapi.O_CLOEXEC,
}

var initFlagNames = map[string]uint32{
	"IN_NONBLOCK": uapi.IN_NONBLOCK, "IN_CLOEXEC": uapi.IN_CLOEXEC,
}

// parseFlags reads NAME|NAME|number terms.
func parseFlags(s string, names map[string]uint32) (uint32, string) {
	var v uint32
	for _, term := range strings.Split(s, "|") {
		if f, ok := names[term]; ok {
			v |= f
			continue
		}
		if term != "" && term[0] >= '0' && term[0] <= '9' {
			n, err := strconv.ParseUint(term, 0, 32)
			if err == nil {
				v |= uint32(n)
				continue
			}
		}
		return 0, fmt.Sprintf("bad flag %s", Quote(term))
	}
	return v, ""
}

func arity(op token, a []token, min, max int, usage string) (int, string) {
	switch {
	case len(a) < min:
		return op.col, fmt.Sprintf("%s: missing operand (want %s %s)", op.text, op.text, usage)
	case len(a) > max:
		return a[max].col, fmt.Sprintf("unexpected %s (want %s %s)", Quote(a[max].text), op.text, usage)
	}
	return 0, ""
}

func pathMode(def uint32) opParser {
	return func(p *parser, c *Command, op token, a []token) (int, string) {
		if col, msg := arity(op, a, 1, 2, "PATH [MODE]"); msg != "" {
			return col, msg
		}
		c.Path, c.Mode = a[0].text, def
		if len(a) == 2 {
			return mode(c, a[1])
		}
		return 0, ""
	}
}

func pathOnly(p *parser, c *Command, op token, a []token) (int, string) {
	if col, msg := arity(op, a, 1, 1, "PATH"); msg != "" {
		return col, msg
	}
	c.Path = a[0].text
	return 0, ""
}

func twoPaths(p *parser, c *Command, op token, a []token) (int, string) {
	if col, msg := arity(op, a, 2, 2, "OLD NEW"); msg != "" {
		return col, msg
	}
	c.Path, c.NewPath = a[0].text, a[1].text
	return 0, ""
}

func fdOnly(usage string) opParser {
	return func(p *parser, c *Command, op token, a []token) (int, string) {
		if col, msg := arity(op, a, 1, 1, usage); msg != "" {
			return col, msg
		}
		return p.fd(c, a[0])
	}
}

func fdNumber(usage string) opParser {
	return func(p *parser, c *Command, op token, a []token) (int, string) {
		if col, msg := arity(op, a, 2, 2, usage); msg != "" {
			return col, msg
		}
		c.HasN = true
		if col, msg := number(&c.N, a[1]); msg != "" {
			return col, msg
		}
		return p.fd(c, a[0])
	}
}

func mode(c *Command, t token) (int, string) {
	v, err := strconv.ParseUint(t.text, 8, 32)
	if err != nil {
		return t.col, "bad mode " + Quote(t.text) + " (want octal)"
	}
	c.Mode = uint32(v)
	return 0, ""
}

func number(dst *int64, t token) (int, string) {
	v, err := strconv.ParseInt(t.text, 10, 64)
	if err != nil {
		return t.col, "bad number " + Quote(t.text)
	}
	*dst = v
	return 0, ""
}

// id reads a uid or gid; "-1" (the "leave unchanged" of chown) only when
// allowed.
func id(s string, minusOne bool) (uint32, bool) {
	if minusOne && s == "-1" {
		return 0xffffffff, true
	}
	v, err := strconv.ParseUint(s, 10, 32)
	return uint32(v), err == nil
}

func (p *parser) fd(c *Command, t token) (int, string) {
	var col int
	var msg string
	c.FD, col, msg = p.ref(t)
	return col, msg
}

// fdAndWd reads the operands of a command on one watch of an instance
// (I W: inotify_rm_watch, illumos' INOTIFYIOC_ACTIVATE).
func fdAndWd(p *parser, c *Command, op token, a []token) (int, string) {
	if col, msg := arity(op, a, 2, 2, "I W"); msg != "" {
		return col, msg
	}
	if col, msg := p.fd(c, a[0]); msg != "" {
		return col, msg
	}
	var col int
	var msg string
	c.WD, col, msg = p.ref(a[1])
	return col, msg
}

// fdAndFile reads the instance and file operands of an INOTIFYIOC_ADD_*
// command (I F).
func (p *parser) fdAndFile(c *Command, i, f token) (int, string) {
	if col, msg := p.fd(c, i); msg != "" {
		return col, msg
	}
	var col int
	var msg string
	c.File, col, msg = p.ref(f)
	return col, msg
}

// ref reads an fd or wd operand: a literal integer or a name bound earlier.
func (p *parser) ref(t token) (Ref, int, string) {
	if isNumber(t.text) {
		v, err := strconv.ParseInt(t.text, 10, 32)
		if err != nil {
			return Ref{}, t.col, "bad fd or wd " + Quote(t.text)
		}
		return Ref{Num: int32(v)}, 0, ""
	}
	if !isIdent(t.text) {
		return Ref{}, t.col, "bad fd or wd " + Quote(t.text) + " (want a bound name or an integer)"
	}
	if !p.bound[t.text] {
		return Ref{}, t.col, "undefined name " + t.text
	}
	return Ref{Name: t.text}, 0, ""
}
