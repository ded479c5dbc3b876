package workflow

import (
	"context"

	"github.com/custodian-roi/custodian/internal/fhir"
	"github.com/custodian-roi/custodian/internal/label"
	"github.com/custodian-roi/custodian/internal/packet"
	"github.com/custodian-roi/custodian/internal/roi"
)

// Import stores one imported chart: the patient, the chart items with the
// sensitivity labels computed once, here, with their provenance, and every
// resource byte for byte but for its resolved conditional references. Nothing in the import path decides a release.
func (d *Desk) Import(ctx context.Context, actor string, c fhir.Chart) (roi.PatientID, int, error) {
	return d.importChart(ctx, actor, c, nil)
}

// importChart is Import with more raw resources stored, as they are,
// beside the chart's: a C-CDA document's original bytes (ImportCCDA).
func (d *Desk) importChart(ctx context.Context, actor string, c fhir.Chart, extra []roi.RawResource) (roi.PatientID, int, error) {
	if err := requireActor(actor); err != nil {
		return 0, 0, err
	}
	l := d.Labeler
	if l == nil {
		var err error
		if l, err = label.New(label.Config{}); err != nil {
			return 0, 0, err
		}
	}
	// The packet merges a document's PDF pages as they are: their words
	// are read too.
	l = l.WithPDFReader(packet.PDFText)
	items := make([]roi.ChartItem, len(c.Items))
	copy(items, c.Items)
	var raws []roi.RawResource
	if len(c.PatientRaw) > 0 {
		raws = append(raws, roi.RawResource{Key: "Patient/" + c.Patient.FHIRID, JSON: c.PatientRaw})
	}
	for i, it := range c.Items {
		if i < len(c.Details) && len(c.Details[i].Raw) > 0 {
			raws = append(raws, roi.RawResource{Key: it.Key, JSON: c.Details[i].Raw})
		}
	}
	ins := LabelInputs(c)
	for i, lb := range l.Chart(ins) {
		items[i].Labels, items[i].Why = lb.Labels, lb.Why
	}
	for key, raw := range c.FoldedRaw {
		raws = append(raws, roi.RawResource{Key: key, JSON: raw})
	}
	// The clinicians, organizations and places the records name, so that
	// an export can carry them; and every resource with its conditional
	// references resolved to the resource the bundle held (fhir/refs.go):
	// the only bytes that differ from what was received.
	for key, raw := range c.SharedRaw {
		raws = append(raws, roi.RawResource{Key: key, JSON: raw})
	}
	for i := range raws {
		raws[i].JSON = fhir.ResolveReferences(raws[i].JSON, c.References)
	}
	raws = append(raws, extra...)
	return d.store.ImportChart(ctx, c.Patient, items, raws, actor)
}

// LabelInputs is what the labeler reads of each item of an imported chart:
// its document type, its organization, what it names, the
// patient's age on its date, and every byte the packet could print — the
// item's resource and the ones folded into it.
func LabelInputs(c fhir.Chart) []label.Item {
	ins := make([]label.Item, len(c.Items))
	for i, it := range c.Items {
		ins[i].AgeAtDate = -1
		if i >= len(c.Details) {
			continue
		}
		det := c.Details[i]
		in := label.Item{Resources: det.Resources, Org: det.Org, Names: det.Names, Source: it.Source, AgeAtDate: -1}
		if c.Patient.BirthDate.Known() && it.Date.Known() {
			in.AgeAtDate = roi.YearsOld(c.Patient.BirthDate, it.Date)
		}
		for _, x := range det.DocType {
			in.DocType = append(in.DocType, label.Coding{System: x.System, Code: x.Code})
		}
		// The codes are read from these bytes too (every coding, wherever
		// it sits): det.Codes, the importer's own list, would be read twice.
		in.Raw = append(in.Raw, det.Raw)
		for _, key := range det.Resources[1:] {
			in.Raw = append(in.Raw, c.FoldedRaw[key])
		}
		ins[i] = in
	}
	return ins
}
