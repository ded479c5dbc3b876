package web

import (
	"reflect"
	"sort"
	"strings"
)

// jsonMembers lists the JSON member names the struct v (or what it points
// to) takes at its top level, sorted; nil when v is not a struct. An
// unknown member is answered with this list, never with the name sent
// (issue #15: a name is input, and may be PHI typed in the wrong place).
func jsonMembers(v any) []string {
	t := reflect.TypeOf(v)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return nil
	}
	var out []string
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" || (!f.IsExported() && !f.Anonymous) {
				continue
			}
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if f.Anonymous && name == "" && ft.Kind() == reflect.Struct {
				walk(ft)
				continue
			}
			if name == "" {
				name = f.Name
			}
			out = append(out, name)
		}
	}
	walk(t)
	sort.Strings(out)
	return out
}
