package main

import (
	"bytes"
	"fmt"
	"os"

	"github.com/custodian-roi/custodian/internal/caseformat"
	"github.com/custodian-roi/custodian/internal/fee"
	"github.com/custodian-roi/custodian/internal/jurisdiction"
	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/workflow"
)

// useJurisdiction applies the state rules named by spec (--jurisdiction,
// CUSTODIAN_JURISDICTION or the configuration's "jurisdiction") to desk:
//
//   - a two-letter postal code picks a built-in pack (internal/jurisdiction);
//   - anything else is a file: a pack of the site's own (it carries a
//     "checked" date and citations), or a jurisdiction object in the
//     conformance format's vocabulary, as before packs existed.
//
// With a pack, copy fees follow the pack's state schedule unless the
// organization chose a schedule itself (fees.state or fees.schedule_file).
func useJurisdiction(desk *workflow.Desk, spec string) error {
	j, pack, err := loadJurisdiction(spec)
	if err != nil {
		return err
	}
	// The schedule follows the pack when none was chosen, or when the one
	// in force is only the previous pack's (the flag overriding the
	// configuration's pack).
	follow := desk.Fees.Schedule == nil || (desk.JurisdictionPack != nil && desk.Fees.Schedule == packSchedule(desk.JurisdictionPack))
	desk.Jurisdiction, desk.JurisdictionPack = j, pack
	if follow && pack != nil {
		desk.Fees.Schedule = packSchedule(pack)
	}
	return nil
}

func packSchedule(p *jurisdiction.Pack) *fee.Schedule {
	if p.Fees == nil || p.Fees.Schedule == "" {
		return nil
	}
	s, _ := fee.ScheduleFor(p.Fees.Schedule)
	return s
}

// loadJurisdiction reads spec as useJurisdiction describes.
func loadJurisdiction(spec string) (roi.Jurisdiction, *jurisdiction.Pack, error) {
	if jurisdiction.IsCode(spec) {
		p, err := jurisdiction.Lookup(spec)
		if err != nil {
			return roi.Jurisdiction{}, nil, fmt.Errorf("%s", roi.PublicMessage(err))
		}
		return p.Rules(), p, nil
	}
	data, err := os.ReadFile(spec)
	if err != nil {
		return roi.Jurisdiction{}, nil, err
	}
	if jurisdiction.IsPack(data) {
		p, err := jurisdiction.Load(bytes.NewReader(data))
		if err != nil {
			return roi.Jurisdiction{}, nil, fmt.Errorf("%s", roi.PublicMessage(err))
		}
		return p.Rules(), p, nil
	}
	j, err := caseformat.DecodeJurisdiction(data)
	return j, nil, err
}

// stateLawLine says at start-up which state rules the desk applies, so an
// operator sees a missing or wrong pack before the first request.
func stateLawLine(desk *workflow.Desk) string {
	switch p := desk.JurisdictionPack; {
	case p != nil:
		return fmt.Sprintf("State law: the %s jurisdiction pack (%s, checked %s; weakest source %s). See docs/STATES.md.", p.Name, p.State, p.Checked, p.Weakest())
	case hasRules(desk.Jurisdiction):
		return "State law: the rules of a jurisdiction file without citations."
	}
	return "State law: none configured; federal law only (--jurisdiction XX picks a state pack, docs/STATES.md)."
}

// hasRules reports whether j holds any state rule.
func hasRules(j roi.Jurisdiction) bool {
	return j.State != "" || j.AccessDeadline.Days > 0 || j.SpecificAuthorization != 0 || len(j.MinorConsent) > 0 ||
		j.AgeOfMajority > 0 || j.WorkersComp || j.Unclear != 0
}
