package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/custodian-roi/custodian/internal/ledger"
	"github.com/custodian-roi/custodian/internal/roi"
)

// Proposed label removals (issue #15, H1). A removal is stored here and
// changes nothing the engine sees until a second person approves it; only
// then does it become a label override like any other.

const proposalColumns = `id, patient_id, item_key, label, action, reason, proposed_by, proposed_at, state, decided_by, decided_at, note`

func scanProposal(row interface{ Scan(...any) error }) (*roi.LabelProposal, error) {
	var p roi.LabelProposal
	var proposed, decided string
	if err := row.Scan(&p.ID, &p.PatientID, &p.Item, &p.Label, &p.Action, &p.Reason, &p.ProposedBy, &proposed,
		&p.State, &p.DecidedBy, &decided, &p.Note); err != nil {
		return nil, err
	}
	p.ProposedAt, _ = time.Parse(ledger.TimeFormat, proposed)
	if decided != "" {
		p.DecidedAt, _ = time.Parse(ledger.TimeFormat, decided)
	}
	return &p, nil
}

// ProposeLabelRemoval records that by proposes removing label lb from
// chart item key, with the reason, and records it in the ledger. The
// item's labels do not change. Returns CodeNotFound if the patient has no
// such item and CodeConflict if the same removal is already proposed.
func (s *Store) ProposeLabelRemoval(ctx context.Context, id roi.PatientID, key string, lb roi.Label, reason, by string) (*roi.LabelProposal, error) {
	var out *roi.LabelProposal
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM chart_items WHERE patient_id = $1 AND item_key = $2`, id, key).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return notFound("Chart item")
		}
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM label_proposals WHERE patient_id = $1 AND item_key = $2 AND label = $3 AND state = 'pending'`,
			id, key, lb.String()).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return roi.Errorf(roi.CodeConflict, "The removal of this label is already waiting for a second person's approval.")
		}
		var pid int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO label_proposals (patient_id, item_key, label, action, reason, proposed_by, proposed_at)
			VALUES ($1, $2, $3, 'remove', $4, $5, $6) RETURNING id`, id, key, lb.String(), reason, by, s.now()).Scan(&pid); err != nil {
			return fmt.Errorf("store: label proposal: %w", err)
		}
		var err error
		if out, err = scanProposal(tx.QueryRowContext(ctx, `SELECT `+proposalColumns+` FROM label_proposals WHERE id = $1`, pid)); err != nil {
			return err
		}
		return s.append(ctx, tx, roi.Event{Kind: roi.EventLabelProposed, PatientID: id, Actor: by,
			Body: roi.LabelProposalBody{ProposalID: pid, Item: key, Label: lb.String(), Action: "remove", Reason: reason}})
	})
	return out, classify(err)
}

// LabelProposals returns a patient's proposed removals, oldest first;
// pendingOnly keeps those still waiting.
func (s *Store) LabelProposals(ctx context.Context, id roi.PatientID, pendingOnly bool) ([]roi.LabelProposal, error) {
	q := `SELECT ` + proposalColumns + ` FROM label_proposals WHERE patient_id = $1`
	if pendingOnly {
		q += ` AND state = 'pending'`
	}
	rows, err := s.read.QueryContext(ctx, q+` ORDER BY id`, id)
	if err != nil {
		return nil, classify(err)
	}
	defer rows.Close()
	out := []roi.LabelProposal{}
	for rows.Next() {
		p, err := scanProposal(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *p)
	}
	return out, rows.Err()
}

// DecideLabelProposal approves or rejects proposal pid of patient id, by
// the person by, after check has accepted the proposal as read inside the
// transaction (the workflow's rule on who may decide it). An approval
// removes the label then: it becomes a staff override (outliving
// re-imports), the requests of the patient are marked for working out
// sensitivity again, and the ledger records both the approval and the
// label change. Returns the item's labels afterwards; CodeNotFound for no
// such proposal, CodeConflict for one already decided.
func (s *Store) DecideLabelProposal(ctx context.Context, id roi.PatientID, pid int64, approve bool, by, note string, check func(*roi.LabelProposal) error) (*roi.LabelProposal, roi.Labels, error) {
	var effective roi.Labels
	var out *roi.LabelProposal
	err := s.tx(ctx, func(tx *sql.Tx) error {
		lock := ""
		if s.dialect == Postgres {
			lock = " FOR UPDATE"
		}
		p, err := scanProposal(tx.QueryRowContext(ctx, `SELECT `+proposalColumns+` FROM label_proposals WHERE id = $1 AND patient_id = $2`+lock, pid, id))
		if err == sql.ErrNoRows {
			return notFound("Label proposal")
		}
		if err != nil {
			return err
		}
		if p.State != roi.ProposalPending {
			return roi.Errorf(roi.CodeConflict, "The proposal was already %s.", p.State)
		}
		if err := check(p); err != nil {
			return err
		}
		state, kind := roi.ProposalRejected, roi.EventLabelRejected
		if approve {
			state, kind = roi.ProposalApproved, roi.EventLabelApproved
		}
		at := s.now()
		if _, err := tx.ExecContext(ctx, `UPDATE label_proposals SET state = $1, decided_by = $2, decided_at = $3, note = $4 WHERE id = $5`,
			state, by, at, note, pid); err != nil {
			return fmt.Errorf("store: label proposal: %w", err)
		}
		p.State, p.DecidedBy, p.Note = state, by, note
		p.DecidedAt, _ = time.Parse(ledger.TimeFormat, at)
		out = p
		var computed string
		if err := tx.QueryRowContext(ctx, `SELECT computed_labels FROM chart_items WHERE patient_id = $1 AND item_key = $2`, id, p.Item).Scan(&computed); err != nil {
			return err
		}
		over, err := overrides(ctx, tx, id)
		if err != nil {
			return err
		}
		effective = over.apply(p.Item, parseLabels(computed))
		if err := s.append(ctx, tx, roi.Event{Kind: kind, PatientID: id, Actor: by, Body: roi.LabelProposalDecisionBody{
			ProposalID: pid, Item: p.Item, Label: p.Label, ProposedBy: p.ProposedBy, Note: note}}); err != nil {
			return err
		}
		if !approve {
			return nil
		}
		// The removal takes effect now, as the override the proposer asked
		// for, with their reason and the approver named as who made it.
		if _, err := tx.ExecContext(ctx, `INSERT INTO label_overrides (patient_id, item_key, label, action, reason, made_by, made_at)
			VALUES ($1, $2, $3, 'remove', $4, $5, $6) ON CONFLICT (patient_id, item_key, label)
			DO UPDATE SET action = excluded.action, reason = excluded.reason, made_by = excluded.made_by, made_at = excluded.made_at`,
			id, p.Item, p.Label, p.Reason, by, at); err != nil {
			return fmt.Errorf("store: label override: %w", err)
		}
		if over, err = overrides(ctx, tx, id); err != nil {
			return err
		}
		effective = over.apply(p.Item, parseLabels(computed))
		if _, err := tx.ExecContext(ctx, `UPDATE chart_items SET labels = $1 WHERE patient_id = $2 AND item_key = $3`, labelString(effective), id, p.Item); err != nil {
			return err
		}
		if err := chartChanged(ctx, tx, id); err != nil {
			return err
		}
		return s.append(ctx, tx, roi.Event{Kind: roi.EventLabel, PatientID: id, Actor: by,
			Body: roi.LabelBody{Item: p.Item, Label: p.Label, Action: "remove", Reason: p.Reason}})
	})
	return out, effective, classify(err)
}
