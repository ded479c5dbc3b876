// Package echocheck finds input repeated in a message: the check the fuzz
// targets share that an error never echoes what was sent (a value may be
// PHI). It is used by tests only.
package echocheck

import (
	"bytes"
	"encoding/json"
	"strings"
)

// Max is the longest run of an input value a message may repeat; member
// names and short vocabulary words are shorter or allowed.
const Max = 12

// Parts walks data as far as it is JSON and returns its member names and
// its scalar values (strings decoded, numbers as written).
func Parts(data []byte) (names, values []string) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	type frame struct{ obj, key bool }
	var stack []frame
	value := func() { // a value ended: in an object, a name is next
		if n := len(stack); n > 0 && stack[n-1].obj {
			stack[n-1].key = true
		}
	}
	for {
		tok, err := dec.Token()
		if err != nil {
			return names, values
		}
		isKey := len(stack) > 0 && stack[len(stack)-1].obj && stack[len(stack)-1].key
		switch v := tok.(type) {
		case json.Delim:
			if v == '{' || v == '[' {
				stack = append(stack, frame{obj: v == '{', key: true})
				continue
			}
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
			value()
		case string:
			if isKey {
				names = append(names, v)
				stack[len(stack)-1].key = false
				continue
			}
			values = append(values, v)
			value()
		case json.Number:
			values = append(values, v.String())
			value()
		default:
			value()
		}
	}
}

// Find returns a run of more than Max bytes of msg found in one of values
// and in none of names, or "". The message's own words (masks of four
// bytes or more, such as member names it quotes as paths) are masked
// first, so that a value which happens to hold such a word next to a
// space is not mistaken for an echo.
func Find(msg string, names, values []string, masks ...string) string {
	masked := msg
	for _, w := range masks {
		if len(w) >= 4 {
			masked = strings.ReplaceAll(masked, w, strings.Repeat("\x00", len(w)))
		}
	}
	for i := 0; i+Max < len(masked); i++ {
		w := masked[i : i+Max+1]
		if !strings.ContainsRune(w, 0) && containsAny(values, w) && !containsAny(names, w) {
			return msg[i : i+Max+1]
		}
	}
	return ""
}

// InJSON is Find over the names and values of data, or of data as a whole
// when it is not one JSON value.
func InJSON(msg string, data []byte, masks ...string) string {
	names, values := Parts(data)
	if !json.Valid(data) {
		values = append(values, string(data))
	}
	return Find(msg, names, values, masks...)
}

func containsAny(ss []string, w string) bool {
	for _, s := range ss {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// InJSONAll is InJSON that excuses no member name of data: a name the
// receiver does not know (an unknown member) is input like any value and
// must not be repeated either (issue #15). known are the member names the
// receiver takes, which a message may name.
func InJSONAll(msg string, data []byte, known ...string) string {
	names, values := Parts(data)
	values = append(values, names...)
	if !json.Valid(data) {
		values = append(values, string(data))
	}
	return Find(msg, known, values, known...)
}
