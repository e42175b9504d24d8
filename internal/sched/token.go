package sched

import (
	"fmt"
	"strconv"
	"strings"
)

// Switch is one decision that differs from the default: at decision At,
// thread Thread ran.
type Switch struct {
	At     int
	Thread int
}

// Token writes a schedule as a replay token: "s", then for each switch
// the distance in decisions from the previous one (from 0 for the first)
// and the thread as a letter (a-z for threads 0-25, A-Z for 26-51). The
// default schedule is "s"; "s3b2a" switches to thread 1 at decision 3 and
// to thread 0 at decision 5.
func Token(sw []Switch) string {
	var b strings.Builder
	b.WriteByte('s')
	prev := 0
	for _, s := range sw {
		b.WriteString(strconv.Itoa(s.At - prev))
		b.WriteByte(threadLetter(s.Thread))
		prev = s.At
	}
	return b.String()
}

func threadLetter(id int) byte {
	switch {
	case id < 26:
		return byte('a' + id)
	case id < 52:
		return byte('A' + id - 26)
	}
	panic(fmt.Sprintf("sched: thread %d has no token letter (at most 52 threads)", id))
}

// ParseToken reads a token written by Token.
func ParseToken(tok string) ([]Switch, error) {
	rest, ok := strings.CutPrefix(tok, "s")
	if !ok {
		return nil, fmt.Errorf("bad schedule token %q: it starts with s", tok)
	}
	var out []Switch
	prev := 0
	for rest != "" {
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 0 || i == len(rest) || i > 9 {
			return nil, fmt.Errorf("bad schedule token %q: want DISTANCE LETTER pairs", tok)
		}
		d, _ := strconv.Atoi(rest[:i])
		c := rest[i]
		var id int
		switch {
		case c >= 'a' && c <= 'z':
			id = int(c - 'a')
		case c >= 'A' && c <= 'Z':
			id = int(c-'A') + 26
		default:
			return nil, fmt.Errorf("bad schedule token %q: %q is no thread letter", tok, c)
		}
		if len(out) > 0 && d == 0 {
			return nil, fmt.Errorf("bad schedule token %q: two switches at one decision", tok)
		}
		prev += d
		out = append(out, Switch{At: prev, Thread: id})
		rest = rest[i+1:]
	}
	return out, nil
}
