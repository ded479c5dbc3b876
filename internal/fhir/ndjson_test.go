package fhir

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// TestReadNDJSON: the same resources as NDJSON give the same charts as the
// Bundle they came from, raw bytes included.
func TestReadNDJSON(t *testing.T) {
	data, err := os.ReadFile("testdata/Clemente_Kreiger_1484a42d-0eaf-4654-9cbf-6b050a5cd73b.json")
	if err != nil {
		t.Fatal(err)
	}
	var b struct {
		Entry []struct {
			Resource json.RawMessage `json:"resource"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(data, &b); err != nil {
		t.Fatal(err)
	}
	var nd bytes.Buffer
	for _, e := range b.Entry {
		var c bytes.Buffer
		json.Compact(&c, e.Resource)
		nd.Write(c.Bytes())
		nd.WriteString("\n\n")
	}
	if !IsNDJSON(nd.Bytes()) || IsNDJSON(data) {
		t.Error("IsNDJSON cannot tell NDJSON from a Bundle")
	}
	fromBundle, err := ReadBundle(bytes.NewReader(data), "")
	if err != nil {
		t.Fatal(err)
	}
	ndData := append([]byte(nil), nd.Bytes()...)
	fromND, _, err := ReadNDJSON(&nd, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(fromND) != 1 || len(fromND[0].Items) != len(fromBundle[0].Items) || fromND[0].Patient != fromBundle[0].Patient {
		t.Fatalf("NDJSON read %d charts / %d items, Bundle %d items", len(fromND), len(fromND[0].Items), len(fromBundle[0].Items))
	}
	for i, it := range fromND[0].Items {
		if it.Key != fromBundle[0].Items[i].Key {
			t.Errorf("item %d: %s vs %s", i, it.Key, fromBundle[0].Items[i].Key)
		}
		if !bytes.Contains(ndData, fromND[0].Details[i].Raw) {
			t.Errorf("%s: raw bytes not those of its line", it.Key)
		}
	}
	_, _, err = ReadNDJSON(strings.NewReader("{\"resourceType\":\"Patient\",\"id\":\"p1\"}\nnot json\n"), "")
	if err == nil || strings.Contains(err.Error(), "not json") {
		t.Errorf("broken line: %v", err)
	}
	// A line holding more than its one object is refused, naming the entry,
	// not read as the object with the rest spliced into the Bundle around it.
	for _, line := range []string{
		`{"resourceType":"Patient","id":"p2"},"Zebediah":"x"`,
		`{"resourceType":"Patient","id":"p2"}{"resourceType":"Patient","id":"p3"}`,
		`{"resourceType":"Patient","id":"p2"}]`,
	} {
		charts, _, err := ReadNDJSON(strings.NewReader("{\"resourceType\":\"Patient\",\"id\":\"p1\"}\n"+line+"\n"), "")
		if err == nil || charts != nil || !strings.Contains(err.Error(), "entry[1]") || strings.Contains(err.Error(), "Zebediah") {
			t.Errorf("line %s: %d charts, %v", line, len(charts), err)
		}
	}
}
