package fee

import (
	"strings"
	"testing"

	"github.com/custodian-roi/custodian/internal/roi"
)

// A member given twice is refused by name: JSON would keep the last copy
// (matching names without regard to case), so the file could show one
// figure and charge another.
func TestLoadSchedule_DuplicateMember(t *testing.T) {
	for doc, want := range map[string]string{
		`{"name":"X","others":{"paper":[{"from":1,"per_page":"0.25","per_page":"9.00"}]}}`: "more than once",
		`{"name":"X","others":{"paper":[{"from":1,"per_page":"0.25","PER_PAGE":"9.00"}]}}`: "more than once",
		// The first copy is not an amount at all: that is said first.
		`{"name":"X","others":{"paper":[{"from":1,"per_page":7,"PER_PAGE":"0.25"}]}}`: "quoted dollar string",
	} {
		_, err := LoadSchedule(strings.NewReader(doc))
		if roi.CodeOf(err) != roi.CodeInvalid || !strings.Contains(strings.ToLower(err.Error()), "per_page") || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v", doc, err)
		}
	}
	if _, err := LoadSchedule(strings.NewReader(`{"name":"X","others":{"paper":[{"from":1,"per_page":"0.25"}]}}`)); err != nil {
		t.Errorf("a schedule without duplicates: %v", err)
	}
}
