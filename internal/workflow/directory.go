package workflow

import (
	"context"
	"strings"

	"github.com/custodian-roi/custodian/internal/caseformat"
	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/store"
)

// DirectoryEntry is a known requester kept by staff (a law firm, an
// insurer, an agency, a provider): intake picks one instead of retyping it.
type DirectoryEntry = store.DirectoryEntry

// Requesters lists the directory of known requesters by name, optionally
// of one kind. Names of firms and agencies are not PHI; the look is not a
// view of anyone's record.
func (d *Desk) Requesters(ctx context.Context, kind roi.Kind) ([]*DirectoryEntry, error) {
	return d.store.Requesters(ctx, kind)
}

// Requester returns one directory entry (CodeNotFound if none).
func (d *Desk) Requester(ctx context.Context, id int64) (*DirectoryEntry, error) {
	return d.store.Requester(ctx, id)
}

// SaveRequester adds a directory entry (ID 0) or changes one, after
// checking it; the change is recorded in the ledger. Returns CodeInvalid
// for a bad entry and CodeConflict when the kind and name are already
// there.
func (d *Desk) SaveRequester(ctx context.Context, actor string, e *DirectoryEntry) error {
	if err := requireActor(actor); err != nil {
		return err
	}
	e.Name, e.Contact = strings.TrimSpace(e.Name), strings.TrimSpace(e.Contact)
	e.Phone, e.Note = strings.TrimSpace(e.Phone), strings.TrimSpace(e.Note)
	switch {
	case e.Name == "" || len(e.Name) > 200:
		return invalid("Give the requester's name (at most 200 characters).")
	case e.Kind == roi.KindPatient:
		return invalid("Patients are not kept in the directory: each asks for their own records.")
	case caseformat.CheckRequest(string(roi.RequestRecords), string(e.Kind), string(roi.BasisAuthorization)) != nil &&
		caseformat.CheckRequest(string(roi.RequestRecords), string(e.Kind), string(roi.BasisTreatment)) != nil:
		return invalid("Say what kind of requester this is.")
	case e.Delivery != "" && !validDelivery(e.Delivery):
		return invalid("The usual delivery must be one of portal, email, sftp, mail, fax or pickup.")
	case e.Delivery != "" && e.Delivery != roi.DeliveryPickup && e.Contact == "":
		return invalid("Say where records go by %s: a contact is needed.", e.Delivery)
	}
	e.AddedBy = actor
	var err error
	if e.ID == 0 {
		err = d.store.AddRequester(ctx, e)
	} else {
		err = d.store.UpdateRequester(ctx, e)
	}
	if roi.CodeOf(err) == roi.CodeConflict {
		return roi.Errorf(roi.CodeConflict, "The directory already has a %s named that.", e.Kind)
	}
	if err != nil {
		return err
	}
	return d.store.Append(ctx, roi.Event{Kind: roi.EventDirectory, Actor: actor,
		Body: roi.DirectoryBody{ID: e.ID, Kind: e.Kind}})
}
