package ocr

import (
	"os"
	"testing"
)

func BenchmarkParseAuthorization(b *testing.B) {
	text, err := os.ReadFile("testdata/hipaa-labeled.txt")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		ParseAuthorization(string(text))
	}
}
