package workflow

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/custodian-roi/custodian/internal/label"
	"github.com/custodian-roi/custodian/internal/ledger"
	"github.com/custodian-roi/custodian/internal/packet"
	"github.com/custodian-roi/custodian/internal/roi"
)

// Export returns what request id's decision releases as a FHIR R4 Bundle:
// each released resource as imported, with its sensitivity as HL7 DS4P
// security labels in meta.security, and a Provenance resource naming the
// request, the decision and the basis — the electronic copy an access
// request may ask for. Only an approved or released request exports, and
// the export is recorded in the ledger. What is exported never carries
// what is withheld: a reference's display naming a resource the export
// does not hold (and that is not an author, a place, a payer or a drug)
// is dropped, the reference kept (packet.RedactReferences).
func (d *Desk) Export(ctx context.Context, actor string, id roi.RequestID) ([]byte, error) {
	if err := requireActor(actor); err != nil {
		return nil, err
	}
	r, err := d.store.Request(ctx, id)
	if err != nil {
		return nil, err
	}
	switch r.Status {
	case roi.StatusApproved, roi.StatusReleased, roi.StatusPartiallyReleased, roi.StatusClosed:
	default:
		return nil, roi.Errorf(roi.CodeConflict, "Request %s is %s; only an approved request exports.", r.Number, r.Status)
	}
	final, decisionID, err := d.finalDecision(ctx, id)
	if err != nil {
		return nil, err
	}
	chart, err := d.store.ChartItems(ctx, r.PatientID)
	if err != nil {
		return nil, err
	}
	labels := map[string]roi.Labels{}
	for _, it := range chart {
		labels[it.Key] = it.Labels
	}
	var entries []map[string]any
	var targets []map[string]any
	rel := packet.Released{}
	var add func(key string, sec roi.Labels) error
	add = func(key string, sec roi.Labels) error {
		raw, err := d.store.RawResource(ctx, r.PatientID, key)
		if roi.CodeOf(err) == roi.CodeNotFound {
			return nil // imported before raw resources were kept
		}
		if err != nil {
			return err
		}
		var res map[string]any
		if err := json.Unmarshal(raw, &res); err != nil {
			return roi.WrapOp("workflow.export-resource-read", roi.CodeInternal, err, "A stored resource does not read.")
		}
		meta, _ := res["meta"].(map[string]any)
		if meta == nil {
			meta = map[string]any{}
		}
		meta["security"] = label.SecurityLabels(sec)
		res["meta"] = meta
		rel[key] = true
		entries = append(entries, map[string]any{"fullUrl": "urn:custodian:" + key, "resource": res})
		targets = append(targets, map[string]any{"reference": key})
		for _, obs := range folded(res) {
			if err := add(obs, sec); err != nil {
				return err
			}
		}
		return nil
	}
	for _, key := range final.Release {
		if err := add(key, labels[key]); err != nil {
			return nil, err
		}
	}
	// Only now is every exported resource known, so only now can a
	// reference be told to name one of them.
	for _, e := range entries {
		packet.RedactReferences(e["resource"].(map[string]any), rel)
	}
	now := d.Now().UTC()
	prov := map[string]any{
		"resourceType": "Provenance",
		"id":           "release-" + r.Number,
		"target":       targets,
		"recorded":     now.Format("2006-01-02T15:04:05Z"),
		"policy":       []string{"urn:custodian:request:" + r.Number, "urn:custodian:decision:" + strconv.FormatInt(decisionID, 10), "urn:custodian:rule-set:" + RuleSet},
		"reason": []map[string]any{{"text": "Released under basis " + string(r.Basis) + ": " + purposes[r.Basis],
			"coding": []map[string]string{{"system": "urn:custodian:basis", "code": string(r.Basis)}}}},
		"activity": map[string]any{"text": "release of information"},
		"agent":    []map[string]any{{"who": map[string]string{"display": actor}}},
	}
	entries = append(entries, map[string]any{"fullUrl": "urn:custodian:Provenance/release-" + r.Number, "resource": prov})
	bundle := map[string]any{"resourceType": "Bundle", "type": "collection", "timestamp": now.Format("2006-01-02T15:04:05Z"), "entry": entries}
	out, err := json.MarshalIndent(bundle, "", " ")
	if err != nil {
		return nil, err
	}
	err = d.store.Append(ctx, roi.Event{Kind: roi.EventExport, RequestID: r.ID, PatientID: r.PatientID, Actor: actor,
		Body: roi.ExportBody{Resources: len(entries) - 1, DecisionID: decisionID, At: now.Format(ledger.TimeFormat)}})
	return out, err
}

// folded returns the keys of the resources an item's own resource folds in:
// a report's result Observations, a prescription's Medication, the Binary
// holding a document's content (as fhir.Detail.Resources lists them).
func folded(res map[string]any) []string {
	var out []string
	idOf := func(ref string) string {
		if i := strings.LastIndexAny(ref, "/:"); i >= 0 {
			return ref[i+1:]
		}
		return ref
	}
	if res["resourceType"] == "DiagnosticReport" {
		results, _ := res["result"].([]any)
		for _, x := range results {
			m, _ := x.(map[string]any)
			ref, _ := m["reference"].(string)
			if id := idOf(ref); id != "" {
				out = append(out, "Observation/"+id)
			}
		}
	}
	// A prescription's Medication and the Binary holding a document's
	// content, when the import kept them (fhir.Detail.Resources).
	if m, ok := res["medicationReference"].(map[string]any); ok {
		if ref, _ := m["reference"].(string); ref != "" && !strings.HasPrefix(ref, "#") {
			out = append(out, "Medication/"+idOf(ref))
		}
	}
	var urls []string
	contents, _ := res["content"].([]any)
	for _, c := range contents {
		if a, ok := c.(map[string]any)["attachment"].(map[string]any); ok {
			if u, _ := a["url"].(string); u != "" {
				urls = append(urls, u)
			}
		}
	}
	forms, _ := res["presentedForm"].([]any)
	for _, f := range forms {
		if m, ok := f.(map[string]any); ok {
			if u, _ := m["url"].(string); u != "" {
				urls = append(urls, u)
			}
		}
	}
	for _, u := range urls {
		if strings.Contains(u, "Binary/") || strings.HasPrefix(u, "urn:uuid:") {
			out = append(out, "Binary/"+idOf(u))
		}
	}
	return out
}
