package fee

import (
	"encoding/json"
	"testing"

	"github.com/custodian-roi/custodian/internal/roi"
)

func TestCents_String(t *testing.T) {
	tests := []struct {
		in   Cents
		want string
	}{
		{0, "$0.00"}, {5, "$0.05"}, {650, "$6.50"}, {123456, "$1234.56"}, {-125, "-$1.25"},
	}
	for _, tt := range tests {
		if got := tt.in.String(); got != tt.want {
			t.Errorf("Cents(%d).String()=%q, want %q", int64(tt.in), got, tt.want)
		}
	}
}

func TestParseCents(t *testing.T) {
	tests := []struct {
		in   string
		want Cents
		ok   bool
	}{
		{"6.50", 650, true}, {"$6.50", 650, true}, {"6.5", 650, true}, {"6", 600, true},
		{".75", 75, true}, {"0.435", 0, false}, {"abc", 0, false}, {"", 0, false},
		{"6.", 0, false}, {"1e3", 0, false}, {"-1.00", -100, true}, {"12345678.00", 0, false},
	}
	for _, tt := range tests {
		got, err := ParseCents(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseCents(%q)=%v, %v; want %v, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
		if err != nil && roi.CodeOf(err) != roi.CodeInvalid {
			t.Errorf("ParseCents(%q) code=%v, want invalid", tt.in, roi.CodeOf(err))
		}
	}
}

func TestCents_JSON(t *testing.T) {
	b, err := json.Marshal(Cents(2874))
	if err != nil || string(b) != `"28.74"` {
		t.Fatalf("Marshal=%s, %v; want \"28.74\"", b, err)
	}
	var c Cents
	if err := json.Unmarshal([]byte(`"28.74"`), &c); err != nil || c != 2874 {
		t.Fatalf("Unmarshal=%v, %v; want 2874", c, err)
	}
	// A bare number is ambiguous (dollars or cents?) and is refused.
	if err := json.Unmarshal([]byte(`28.74`), &c); err == nil {
		t.Fatal("Unmarshal(28.74) succeeded; want an error")
	}
}
