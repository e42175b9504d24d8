package scenario

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// token is one word of a line: its value (unquoted when it was written as a
// Go string literal), whether it was quoted, and its 1-based byte column.
type token struct {
	text   string
	quoted bool
	col    int
}

// is reports whether t is the unquoted word s: "=", "=>" and "cookie=…" are
// syntax only when written plain, which is why Quote quotes them.
func (t token) is(s string) bool { return !t.quoted && t.text == s }

// lexedLine is one source line split into its parts.
type lexedLine struct {
	indent  string  // leading spaces and tabs
	toks    []token // the words, comment excluded
	gap     string  // white space between the last word and the comment
	comment string  // from '#' to the end of the line, trailing white space removed
}

// isResultIndent reports whether a line's indentation makes it a result line:
// two or more columns of spaces, or any tab.
func isResultIndent(indent string) bool {
	return len(indent) >= 2 || strings.ContainsRune(indent, '\t')
}

// lexLine splits one line (without its newline). On error it returns the
// 1-based byte column of the offending token and a message.
func lexLine(s string) (lexedLine, int, string) {
	var l lexedLine
	if !utf8.ValidString(s) {
		for i := 0; i < len(s); {
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n == 1 {
				return l, i + 1, "invalid UTF-8"
			}
			i += n
		}
	}
	i := 0
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	l.indent = s[:i]
	for {
		j := i
		for j < len(s) && (s[j] == ' ' || s[j] == '\t') {
			j++
		}
		if j == len(s) {
			return l, 0, ""
		}
		if s[j] == '#' {
			l.gap = s[i:j]
			l.comment = strings.TrimRight(s[j:], " \t")
			return l, 0, ""
		}
		if j == i && len(l.toks) > 0 {
			// Only a quoted token can end without white space after it.
			return l, j + 1, "missing space after quoted token"
		}
		i = j
		if s[i] == '"' {
			end, ok := scanQuoted(s, i)
			if !ok {
				return l, i + 1, "unterminated quoted token"
			}
			v, err := strconv.Unquote(s[i:end])
			if err != nil {
				return l, i + 1, "bad quoted token " + s[i:end]
			}
			l.toks = append(l.toks, token{text: v, quoted: true, col: i + 1})
			i = end
			continue
		}
		start := i
		for i < len(s) && s[i] != ' ' && s[i] != '\t' && s[i] != '#' {
			c := s[i]
			if c == '"' {
				return l, start + 1, "unexpected quote inside token"
			}
			if c < 0x20 || c == 0x7f {
				return l, start + 1, "control character outside quotes"
			}
			i++
		}
		l.toks = append(l.toks, token{text: s[start:i], col: start + 1})
		if i < len(s) && s[i] == '#' {
			l.comment = strings.TrimRight(s[i:], " \t")
			return l, 0, ""
		}
	}
}

// scanQuoted returns the end (exclusive) of the double-quoted literal that
// starts at s[i].
func scanQuoted(s string, i int) (int, bool) {
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '\\':
			j++
		case '"':
			return j + 1, true
		}
	}
	return 0, false
}

// Quote writes s as a scenario token: plain when it is non-empty printable
// ASCII without space, '"', '#', '\\', '\” or '`', is neither "=" nor "=>"
// and does not start with "cookie="; otherwise as a Go string literal (%q).
// Reading the result back gives s again.
func Quote(s string) string {
	if plain(s) {
		return s
	}
	return strconv.Quote(s)
}

func plain(s string) bool {
	if s == "" || s == "=" || s == "=>" || strings.HasPrefix(s, "cookie=") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f {
			return false
		}
		switch c {
		case '"', '#', '\\', '\'', '`':
			return false
		}
	}
	return true
}
