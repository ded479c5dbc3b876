package workflow

import (
	"context"

	"github.com/custodian-roi/custodian/internal/fhir"
	"github.com/custodian-roi/custodian/internal/label"
	"github.com/custodian-roi/custodian/internal/roi"
)

// Import stores one imported chart: the patient, the chart items with the
// sensitivity labels computed once, here, with their provenance, and every
// resource byte for byte. Nothing in the import path decides a release.
func (d *Desk) Import(ctx context.Context, actor string, c fhir.Chart) (roi.PatientID, int, error) {
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
	items := make([]roi.ChartItem, len(c.Items))
	var raws []roi.RawResource
	if len(c.PatientRaw) > 0 {
		raws = append(raws, roi.RawResource{Key: "Patient/" + c.Patient.FHIRID, JSON: c.PatientRaw})
	}
	for i, it := range c.Items {
		items[i] = it
		if i >= len(c.Details) {
			continue
		}
		det := c.Details[i]
		in := label.Item{Resources: det.Resources, Org: det.Org, AgeAtDate: -1}
		if c.Patient.BirthDate.Known() {
			in.AgeAtDate = roi.YearsOld(c.Patient.BirthDate, it.Date)
		}
		for _, x := range det.Codes {
			in.Codes = append(in.Codes, label.Coding{System: x.System, Code: x.Code})
		}
		for _, x := range det.DocType {
			in.DocType = append(in.DocType, label.Coding{System: x.System, Code: x.Code})
		}
		items[i].Labels, items[i].Why = l.Label(in)
		if len(det.Raw) > 0 {
			raws = append(raws, roi.RawResource{Key: it.Key, JSON: det.Raw})
		}
	}
	for key, raw := range c.FoldedRaw {
		raws = append(raws, roi.RawResource{Key: key, JSON: raw})
	}
	return d.Store.ImportChart(ctx, c.Patient, items, raws, actor)
}
