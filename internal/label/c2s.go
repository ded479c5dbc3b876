package label

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/custodian-roi/custodian/internal/roi"
)

// c2sTable is SAMHSA Consent2Share's sensitive code lists (2014), read as
// is from valuesets/c2s-sensitive-codes.tsv (licence in C2S-NOTICE.md),
// with the corrections in valuesets/c2s-corrections.json: rows whose C2S
// category is not what the code means under Custodian's policy are
// remapped or dropped, each with its reason.
type c2sTable struct {
	version string
	codes   map[Coding]c2sRow
}

type c2sRow struct {
	label    roi.Label
	valueSet string // C2S's own set name
}

type c2sCorrections struct {
	Version    string            `json:"version"`
	Categories map[string]string `json:"categories"`
	Remap      []struct {
		System, Code, Label string
	} `json:"remap"`
	Drop []struct {
		System, Code string
	} `json:"drop"`
	DropDisplay []struct {
		Text string `json:"text"`
	} `json:"drop_display_containing"`
}

func loadC2S() (*c2sTable, error) {
	data, err := files.ReadFile("valuesets/c2s-sensitive-codes.tsv")
	if err != nil {
		return nil, err
	}
	cdata, err := files.ReadFile("valuesets/c2s-corrections.json")
	if err != nil {
		return nil, err
	}
	var corr c2sCorrections
	if err := json.Unmarshal(cdata, &corr); err != nil {
		return nil, fmt.Errorf("label: c2s-corrections.json: %w", err)
	}
	cats := map[string]roi.Label{}
	for c, name := range corr.Categories {
		l, ok := roi.ParseLabel(name)
		if !ok {
			return nil, fmt.Errorf("label: c2s-corrections.json: unknown label %q", name)
		}
		cats[c] = l
	}
	drop := map[Coding]bool{}
	for _, d := range corr.Drop {
		drop[Coding{d.System, d.Code}] = true
	}
	remap := map[Coding]roi.Label{}
	for _, r := range corr.Remap {
		l, ok := roi.ParseLabel(r.Label)
		if !ok {
			return nil, fmt.Errorf("label: c2s-corrections.json: unknown label %q", r.Label)
		}
		remap[Coding{r.System, r.Code}] = l
	}
	t := &c2sTable{version: "2014+" + corr.Version, codes: map[Coding]c2sRow{}}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for line := 0; sc.Scan(); line++ {
		f := strings.Split(sc.Text(), "\t")
		if line == 0 {
			continue // the header
		}
		if len(f) != 6 {
			return nil, fmt.Errorf("label: c2s-sensitive-codes.tsv line %d: %d columns, want 6", line+1, len(f))
		}
		c := Coding{f[3], f[4]}
		if drop[c] || containsAny(strings.ToLower(f[5]), corr.DropDisplay) {
			continue
		}
		l, ok := remap[c]
		if !ok {
			if l, ok = cats[f[0]]; !ok {
				return nil, fmt.Errorf("label: c2s-sensitive-codes.tsv line %d: category %q has no label", line+1, f[0])
			}
		}
		if _, seen := t.codes[c]; !seen {
			t.codes[c] = c2sRow{label: l, valueSet: f[2]}
		}
	}
	return t, sc.Err()
}

func containsAny(s string, subs []struct {
	Text string `json:"text"`
}) bool {
	for _, x := range subs {
		if strings.Contains(s, x.Text) {
			return true
		}
	}
	return false
}
