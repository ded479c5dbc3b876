package echocheck

import "testing"

func TestFind(t *testing.T) {
	data := []byte(`{"name_of_a_member_long": "Zebediah Quillfeather", "n": 123456789012345678}`)
	for msg, want := range map[string]bool{
		"x: Zebediah Quillfeather":        true,  // a value repeated
		"bad number 123456789012345678":   true,  // numbers too
		"name_of_a_member_long: required": false, // a member name is allowed
		"x: Zebediah Qui":                 false, // 12 bytes are allowed
	} {
		if got := InJSON(msg, data) != ""; got != want {
			t.Errorf("%q: echo %v, want %v", msg, got, want)
		}
	}
	if InJSON("oops Zebediah Quill", []byte(`{"a": "Zebediah Quill`)) == "" {
		t.Error("an echo of a broken document's text was missed")
	}
	// A word of the message's own vocabulary is masked.
	if Find("entry[0]: resourceType: missing", nil, []string{"0 resourceType0"}, "resourceType") != "" {
		t.Error("the message's own member path counted as an echo")
	}
	if Find("entry[0]: resourceType: missing", nil, []string{"0 resourceType0"}) == "" {
		t.Error("without the mask the run is an echo")
	}
}

func TestInJSONAll_UnknownMemberNames(t *testing.T) {
	body := []byte(`{"patient_id":1,"Bob Keeling 1991-07-08":"x"}`)
	if w := InJSON(`Unknown member "Bob Keeling 1991-07-08".`, body); w != "" {
		t.Fatalf("InJSON excuses member names, yet found %q", w)
	}
	if w := InJSONAll(`Unknown member "Bob Keeling 1991-07-08".`, body, "patient_id"); w == "" {
		t.Error("InJSONAll missed an unknown member's name repeated")
	}
	if w := InJSONAll(`Member patient_identifier must be a number.`, []byte(`{"patient_identifier":"x"}`), "patient_identifier"); w != "" {
		t.Errorf("InJSONAll flagged a known member's name: %q", w)
	}
}
