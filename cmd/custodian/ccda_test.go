package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const ccdaTestdata = "../../internal/ccda/testdata"

// custodian import reads C-CDA by content (a file named .dat too), says
// per document what each section gave, and, with --json, the same per
// section; importing the same document again adds nothing.
func TestImportCCDA(t *testing.T) {
	dir := t.TempDir()
	data, err := os.ReadFile(filepath.Join(ccdaTestdata, "sensitive.xml"))
	if err != nil {
		t.Fatal(err)
	}
	renamed := filepath.Join(t.TempDir(), "export.dat")
	if err := os.WriteFile(renamed, data, 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCmd(t, "", "import", "--data", dir, renamed, filepath.Join(ccdaTestdata, "part2.xml"))
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"imported 2 patients, 8 chart items (8 new)",
		"C-CDA export.dat: 6 items from 5 sections and 5 entries: problems 2, medications 1, immunizations 1, other 1, notes (narrative-only sections) 1",
		"C-CDA part2.xml: 2 items from 3 sections and 3 entries: privacy-markings 0, encounters 1, notes (narrative-only sections) 1"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	code, out, errs = runCmd(t, "", "import", "--data", dir, "--json", renamed)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var sum struct {
		NewItems int `json:"new_items"`
		CCDA     []struct {
			Items    int `json:"items"`
			Sections []struct {
				Code    string
				Kind    string
				Entries int
				Items   int
			} `json:"sections"`
		} `json:"ccda_documents"`
	}
	if err := json.Unmarshal([]byte(out), &sum); err != nil {
		t.Fatalf("--json: %v\n%s", err, out)
	}
	if sum.NewItems != 0 || len(sum.CCDA) != 1 || sum.CCDA[0].Items != 6 || len(sum.CCDA[0].Sections) != 5 ||
		sum.CCDA[0].Sections[0].Kind != "problems" || sum.CCDA[0].Sections[0].Entries != 2 {
		t.Errorf("--json summary %+v", sum)
	}
}

// Bad C-CDA input: exit 2, the file and the reason named, nothing of its
// content echoed; the documents before it are imported.
func TestImportCCDA_BadInput(t *testing.T) {
	const secret = "Zebediah Quillfeather"
	dir := t.TempDir()
	bad := filepath.Join(t.TempDir(), "bad.xml")
	if err := os.WriteFile(bad, []byte(`<?xml version="1.0"?><!DOCTYPE ClinicalDocument [<!ENTITY n "`+secret+`">]><ClinicalDocument xmlns="urn:hl7-org:v3"><title>&n;</title></ClinicalDocument>`), 0o600); err != nil {
		t.Fatal(err)
	}
	notCDA := filepath.Join(t.TempDir(), "other.xml")
	if err := os.WriteFile(notCDA, []byte(`<Patient xmlns="http://hl7.org/fhir"><name><text value="`+secret+`"/></name></Patient>`), 0o600); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(ccdaTestdata, "part2.xml")
	for _, c := range []struct{ file, want string }{{bad, "DOCTYPE"}, {notCDA, "not a CDA document"}} {
		code, out, errs := runCmd(t, "", "import", "--data", dir, good, c.file)
		if code != exitUsage {
			t.Errorf("%s: exit %d, want %d", c.file, code, exitUsage)
		}
		if !strings.Contains(errs, c.file) || !strings.Contains(errs, c.want) || !strings.Contains(errs, "patients before the error were imported") {
			t.Errorf("%s: stderr %q", c.file, errs)
		}
		if strings.Contains(errs+out, "Zebediah") || strings.Contains(errs+out, "Quillfeather") {
			t.Errorf("%s: the content is echoed: %s %s", c.file, out, errs)
		}
	}
	// The good document went in before the error: importing it again adds
	// nothing.
	code, out, errs := runCmd(t, "", "import", "--data", dir, good)
	if code != exitOK || !strings.Contains(out, "(0 new)") {
		t.Errorf("re-import: exit %d, %s %s", code, out, errs)
	}
}

// Every HL7 example imports through the command.
func TestImportCCDA_HL7Examples(t *testing.T) {
	files, _ := filepath.Glob("../../../shared/data/ccda/*.xml")
	if len(files) == 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("no HL7 C-CDA examples in ../shared/data/ccda (CI=true: they must be there)")
		}
		t.Skip("no HL7 C-CDA examples in ../shared/data/ccda")
	}
	code, out, errs := runCmd(t, "", append([]string{"import", "--data", t.TempDir()}, files...)...)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if n := strings.Count(out, "C-CDA "); n < len(files) {
		t.Errorf("%d documents reported of %d:\n%s", n, len(files), out)
	}
}
