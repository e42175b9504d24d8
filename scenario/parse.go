package scenario

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/inosim/inosim/uapi"
)

// MaxErrors is how many errors Parse reports before it gives up.
const MaxErrors = 10

// Error is a parse error, printed "FILE:LINE:COL: message".
type Error struct {
	File string
	Pos  Pos
	Msg  string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Pos.Line, e.Pos.Col, e.Msg)
}

// ErrorList is what Parse returns on failure: the errors in line order, at
// most one per line and at most MaxErrors.
type ErrorList []*Error

func (l ErrorList) Error() string {
	s := make([]string, len(l))
	for i, e := range l {
		s[i] = e.Error()
	}
	return strings.Join(s, "\n")
}

// parser state between lines.
type parser struct {
	f     *File
	errs  ErrorList
	bound map[string]bool // names bound by an earlier command

	// above is the command the next result line belongs to; nil when a
	// result line would be an error (none yet, or a header came between).
	num int // the line being parsed

	above *Command
	// aboveBroken: the line above was a command that did not parse; its
	// result lines are skipped without further errors.
	aboveBroken bool
	personality bool            // a personality line was seen
	tasks       map[string]bool // names of thread and process lines so far
}

// Parse reads a scenario. name is the file name used in errors. On failure
// the File is nil and the error is an ErrorList.
func Parse(name string, src []byte) (*File, error) {
	p := &parser{f: &File{Name: name, Personality: uapi.PersonalityLinux}, bound: map[string]bool{},
		tasks: map[string]bool{MainTask: true}}
	text := string(src)
	text = strings.TrimSuffix(text, "\n")
	if len(src) == 0 {
		text = ""
	}
	lines := strings.Split(text, "\n")
	if len(src) == 0 {
		lines = nil
	}
	for i, s := range lines {
		s = strings.TrimSuffix(s, "\r")
		col, msg := p.line(Line{Num: i + 1, Text: s})
		if msg != "" {
			p.errs = append(p.errs, &Error{File: name, Pos: Pos{i + 1, col}, Msg: msg})
			if len(p.errs) == MaxErrors {
				break
			}
		}
	}
	if len(p.errs) > 0 {
		return nil, p.errs
	}
	return p.f, nil
}

// line parses one line and appends it to the file; on error it returns the
// column and message.
func (p *parser) line(l Line) (int, string) {
	p.num = l.Num
	ll, col, msg := lexLine(l.Text)
	if msg != "" {
		if !isResultIndent(ll.indent) {
			p.above, p.aboveBroken = nil, true
		}
		return col, msg
	}
	switch {
	case len(ll.toks) == 0 && ll.comment != "":
		l.Kind = CommentLine
	case len(ll.toks) == 0:
		l.Kind = BlankLine
	case isResultIndent(ll.indent):
		if p.aboveBroken {
			return 0, ""
		}
		if p.above == nil {
			return 1, "result line without a command above it"
		}
		l.Kind, l.Cmd = ResultLine, p.above
		if col, msg := p.result(p.above, ll.toks); msg != "" {
			return col, msg
		}
	case isHeader(ll.toks[0]) && !(len(ll.toks) > 1 && ll.toks[1].is("=")):
		p.above, p.aboveBroken = nil, false
		if col, msg := p.header(&l, ll.toks); msg != "" {
			return col, msg
		}
	default:
		p.above, p.aboveBroken = nil, true
		c, col, msg := p.command(ll)
		if msg != "" {
			// Still bind a well-formed name, so that its uses do not
			// each report it undefined.
			if t := ll.toks; len(t) > 2 && t[1].is("=") && isIdent(t[0].text) {
				p.bound[t[0].text] = true
			}
			return col, msg
		}
		c.src = commandSource(l.Text, c.srcEnd, ll.comment)
		c.Index = len(p.f.Commands)
		p.f.Commands = append(p.f.Commands, c)
		if c.Bind != "" {
			p.bound[c.Bind] = true
		}
		p.above, p.aboveBroken = c, false
		l.Kind, l.Cmd = CommandLine, c
	}
	p.f.Lines = append(p.f.Lines, l)
	return 0, ""
}

// isHeader reports whether t begins a header line.
func isHeader(t token) bool {
	switch t.text {
	case "personality", "sysctl", "expect", "thread", "process", "outcome", "bug":
		return !t.quoted
	}
	return false
}

func (p *parser) header(l *Line, toks []token) (int, string) {
	d := toks[0]
	if d.text == "thread" || d.text == "process" {
		return p.task(l, toks)
	}
	if len(toks) < 2 {
		return d.col, d.text + ": missing operand"
	}
	if len(toks) > 2 {
		return toks[2].col, "unexpected " + Quote(toks[2].text)
	}
	if t := toks[1]; t.is("=>") || t.is("=") {
		return t.col, "unexpected " + t.text + " in a header line"
	}
	arg := toks[1]
	if d.text == "expect" {
		if arg.text == "" {
			return arg.col, "expect: empty text"
		}
		l.Kind, l.Expect = ExpectLine, arg.text
		return 0, ""
	}
	if d.text == "bug" {
		if len(p.f.Commands) > 0 {
			return d.col, "bug must come before the first command"
		}
		l.Kind, l.Bug, l.BugCol = BugLine, arg.text, arg.col
		return 0, ""
	}
	if d.text == "outcome" {
		l.Kind, l.Outcome = OutcomeLine, arg.text
		return 0, ""
	}
	if d.text == "personality" {
		if len(p.f.Commands) > 0 {
			return d.col, "personality must come before the first command"
		}
		if p.personality {
			return d.col, "duplicate personality"
		}
		if names := uapi.Personalities(); !slices.Contains(names, arg.text) {
			return arg.col, fmt.Sprintf("unknown personality %s (want one of %s)",
				Quote(arg.text), strings.Join(names, ", "))
		}
		p.personality = true
		p.f.Personality = arg.text
		l.Kind, l.Personality = PersonalityLine, arg.text
		return 0, ""
	}
	key, val, ok := strings.Cut(arg.text, "=")
	if !ok {
		return arg.col, "sysctl wants KEY=VALUE"
	}
	switch key {
	case uapi.SysctlMaxQueuedEvents, uapi.SysctlMaxUserWatches, uapi.SysctlMaxUserInstances:
	default:
		return arg.col, fmt.Sprintf("unknown sysctl %s (want %s, %s or %s)", Quote(key),
			uapi.SysctlMaxQueuedEvents, uapi.SysctlMaxUserWatches, uapi.SysctlMaxUserInstances)
	}
	v, err := strconv.ParseInt(val, 10, 32)
	if err != nil || v < 0 {
		return arg.col, fmt.Sprintf("sysctl value %s is not a non-negative integer", Quote(val))
	}
	l.Kind, l.Key, l.Value = SysctlLine, key, v
	return 0, ""
}

// task parses "thread NAME" or "process NAME [UID[:GID]]".
func (p *parser) task(l *Line, toks []token) (int, string) {
	d := toks[0]
	want := "NAME"
	if d.text == "process" {
		want = "NAME [UID[:GID]]"
	}
	if len(toks) < 2 {
		return d.col, d.text + ": missing NAME (" + d.text + " " + want + ")"
	}
	max := 2
	if d.text == "process" {
		max = 3
	}
	if len(toks) > max {
		return toks[max].col, "unexpected " + Quote(toks[max].text)
	}
	name := toks[1]
	if !isIdent(name.text) || name.quoted {
		return name.col, fmt.Sprintf("bad %s name %s: a letter or '_' followed by letters, digits and '_'", d.text, Quote(name.text))
	}
	if p.tasks[name.text] {
		return name.col, fmt.Sprintf("%s %s: the name is taken", d.text, name.text)
	}
	p.tasks[name.text] = true
	l.Kind, l.Task, l.Process = TaskLine, name.text, d.text == "process"
	if len(toks) == 3 {
		u, g, hasG := strings.Cut(toks[2].text, ":")
		var okU, okG bool
		l.UID, okU = id(u, false)
		l.GID, okG = l.UID, true
		if hasG {
			l.GID, okG = id(g, false)
		}
		if !okU || !okG {
			return toks[2].col, "bad UID[:GID] " + Quote(toks[2].text)
		}
	}
	return 0, ""
}

// command parses a command line: [TASK:] [NAME =] OP OPERAND... [=> RESULT].
func (p *parser) command(ll lexedLine) (*Command, int, string) {
	toks := ll.toks
	c := &Command{Pos: Pos{p.num, toks[0].col}, Comment: ll.comment, Gap: ll.gap}
	if t := toks[0]; !t.quoted && len(t.text) > 1 && strings.HasSuffix(t.text, ":") && isIdent(strings.TrimSuffix(t.text, ":")) {
		name := strings.TrimSuffix(t.text, ":")
		if !p.tasks[name] {
			return nil, t.col, fmt.Sprintf("unknown task %s: declare it first with thread %s or process %s", Quote(name), name, name)
		}
		if len(toks) == 1 {
			return nil, t.col, "missing command after " + t.text
		}
		c.Thread = name
		if name == MainTask {
			c.Thread = MainTask
		}
		toks = toks[1:]
	}
	var res []token
	var arrow token
	for k, t := range toks {
		if t.is("=>") {
			arrow, res, toks = t, toks[k+1:], toks[:k]
			c.srcEnd = t.col - 1
			break
		}
	}
	c.toks = toks
	if len(toks) >= 2 && toks[1].is("=") {
		if !isIdent(toks[0].text) {
			return nil, toks[0].col, fmt.Sprintf("bad name %s: a name is a letter or '_' followed by letters, digits and '_'", Quote(toks[0].text))
		}
		c.Bind = toks[0].text
		toks = toks[2:]
		if len(toks) == 0 {
			return nil, c.toks[1].col, "missing command after ="
		}
	}
	if len(toks) == 0 {
		return nil, arrow.col, "missing command before =>"
	}
	for _, t := range toks {
		if t.is("=") {
			return nil, t.col, `unexpected "="`
		}
	}
	op, args := toks[0], toks[1:]
	parse, ok := ops[op.text]
	if !ok {
		return nil, op.col, "unknown command " + Quote(op.text)
	}
	c.Op = op.text
	if c.Bind != "" && c.Op != OpOpen && c.Op != OpInotifyInit && c.Op != OpInotifyAddWatch && c.Op != OpIocAddWatch {
		return nil, c.Pos.Col, c.Op + " gives no fd or wd to bind"
	}
	for _, a := range args {
		c.Args = append(c.Args, a.text)
	}
	if col, msg := parse(p, c, op, args); msg != "" {
		return nil, col, msg
	}
	if arrow.col != 0 {
		if len(res) == 0 {
			return nil, arrow.col, "missing result after =>"
		}
		if len(res) > 1 {
			return nil, res[1].col, "unexpected " + Quote(res[1].text) + " after the result"
		}
		r, col, msg := resultOf(p.num, c.Op, res[0])
		if msg != "" {
			return nil, col, msg
		}
		c.Expect = r
	}
	return c, 0, ""
}

// result parses a result line under c: "=> RESULT", or an event under read.
func (p *parser) result(c *Command, toks []token) (int, string) {
	if toks[0].is("=>") {
		if c.Expect != nil {
			return toks[0].col, "second result for one command"
		}
		if len(toks) == 1 {
			return toks[0].col, "missing result after =>"
		}
		if len(toks) > 2 {
			return toks[2].col, "unexpected " + Quote(toks[2].text) + " after the result"
		}
		r, col, msg := resultOf(p.num, c.Op, toks[1])
		if msg != "" {
			return col, msg
		}
		c.Expect = r
		return 0, ""
	}
	if c.Op != OpRead {
		return toks[0].col, "result line under " + c.Op + ": only read has event lines"
	}
	for _, t := range toks {
		if t.is("=") || t.is("=>") {
			return t.col, "unexpected " + t.text + " in an event line"
		}
	}
	ev := EventLine{Pos: Pos{p.num, toks[0].col}}
	var msg string
	var col int
	if ev.Wd, col, msg = p.ref(toks[0]); msg != "" {
		return col, msg
	}
	if len(toks) < 2 {
		return toks[0].col, "event line wants WD MASK [cookie=LABEL] [NAME]"
	}
	m, err := uapi.ParseMask(toks[1].text)
	if err != nil {
		return toks[1].col, "bad mask: " + err.Error()
	}
	ev.Mask = m
	rest := toks[2:]
	if len(rest) > 0 && !rest[0].quoted && strings.HasPrefix(rest[0].text, "cookie=") {
		ev.Cookie = strings.TrimPrefix(rest[0].text, "cookie=")
		if ev.Cookie == "" {
			return rest[0].col, "empty cookie label"
		}
		rest = rest[1:]
	}
	if len(rest) > 0 {
		if !rest[0].quoted && strings.HasPrefix(rest[0].text, "cookie=") {
			return rest[0].col, "cookie= must come before the name (quote a name that starts with cookie=)"
		}
		ev.Name = rest[0].text
		rest = rest[1:]
	}
	if len(rest) > 0 {
		return rest[0].col, "unexpected " + Quote(rest[0].text) + " after the event's name"
	}
	c.Events = append(c.Events, ev)
	return 0, ""
}

// resultOf reads the token after "=>".
func resultOf(line int, op string, t token) (*Result, int, string) {
	r := &Result{Pos: Pos{line, t.col}}
	switch {
	case t.text == "ok":
	case isNumber(t.text):
		if op != OpFionread {
			return nil, t.col, "a numeric result is only for fionread"
		}
		v, err := strconv.ParseInt(t.text, 10, 64)
		if err != nil {
			return nil, t.col, "bad number " + Quote(t.text)
		}
		r.Value, r.HasValue = v, true
	default:
		if _, ok := uapi.ErrnoNumber(t.text); !ok && t.text != Oops && t.text != Deadlock {
			return nil, t.col, "unknown result " + Quote(t.text) + " (want ok, an errno name, OOPS, DEADLOCK or a number)"
		}
		r.Errno = t.text
	}
	return r, 0, ""
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_', 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case '0' <= c && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// isNumber reports whether s looks like an integer (an optional sign, then a
// digit), as opposed to a name.
func isNumber(s string) bool {
	s = strings.TrimLeft(s, "+-")
	return s != "" && s[0] >= '0' && s[0] <= '9'
}

// commandSource is the command as written: the line up to its "=> RESULT"
// (srcEnd > 0) or its comment, without trailing white space. run and
// check -update write only results anew, so this is what they print.
func commandSource(text string, srcEnd int, comment string) string {
	switch {
	case srcEnd > 0:
		text = text[:srcEnd]
	case comment != "":
		text = strings.TrimRight(text, " \t")
		text = text[:len(text)-len(comment)]
	}
	return strings.TrimRight(text, " \t")
}
