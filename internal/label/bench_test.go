package label

import (
	"testing"
)

// BenchmarkLabel labels a mix of items: most ordinary, some in each value
// set, by ICD-10-CM range, SNOMED, LOINC and document type.
func BenchmarkLabel(b *testing.B) {
	l, err := New(Config{Part2Programs: []string{"Riverside Recovery"}, MinorServices: []MinorService{{Label: "behavioral-health", MinAge: 13}}})
	if err != nil {
		b.Fatal(err)
	}
	items := []Item{
		{Resources: []string{"Encounter/1"}, Codes: []Coding{{SNOMED, "185349003"}, {SNOMED, "162673000"}}, Org: "General Hospital", AgeAtDate: 40},
		{Resources: []string{"Observation/2"}, Codes: []Coding{{LOINC, "718-7"}, {LOINC, "4544-3"}, {LOINC, "787-2"}}, AgeAtDate: 40},
		{Resources: []string{"Condition/3"}, Codes: []Coding{{ICD10CM, "I10"}, {SNOMED, "38341003"}}, AgeAtDate: 40},
		{Resources: []string{"Condition/4"}, Codes: []Coding{{ICD10CM, "F32.9"}, {SNOMED, "370143000"}}, AgeAtDate: 15},
		{Resources: []string{"DiagnosticReport/5"}, Codes: []Coding{{LOINC, "20447-9"}, {LOINC, "24323-8"}}, AgeAtDate: 40},
		{Resources: []string{"Encounter/6"}, Codes: []Coding{{SNOMED, "424619006"}}, Org: "Riverside Recovery", AgeAtDate: 30},
		{Resources: []string{"DocumentReference/7"}, DocType: []Coding{{LOINC, "34117-2"}}, Codes: []Coding{{LOINC, "34117-2"}}, AgeAtDate: 40},
		{Resources: []string{"MedicationRequest/8"}, Codes: []Coding{{RxNorm, "314076"}}, AgeAtDate: 40},
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		l.Label(items[i%len(items)])
	}
}
