package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/custodian-roi/custodian/internal/ledger"
	"github.com/custodian-roi/custodian/internal/roi"
)

// AddPacket stores a release packet with the request's update, so that
// the disclosure, the packet and its delivery jobs commit together. The
// content (the encrypted PDF as delivered; p.SHA256 is its digest) is
// sealed again at rest when the store has keys.
func (t *Tx) AddPacket(p *roi.PacketRecord, content []byte) error {
	now := t.s.now()
	p.RequestID, p.CreatedAt = t.req.ID, parseTime(now)
	if err := t.tx.QueryRowContext(t.ctx, `INSERT INTO packets (request_id, packet_id, sha256, plain_sha256, pages, manifest, content, created_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		p.RequestID, p.PacketID, p.SHA256, p.PlainSHA256, p.Pages, string(p.Manifest), t.s.inserted(content), p.CreatedBy, now).Scan(&p.ID); err != nil {
		return err
	}
	return t.s.sealInserted(t.ctx, t.tx, "packets", KindPacket, p.ID, content)
}

// AddDelivery queues a delivery job in the request's update. A job in
// state waiting (mail, fax) is not claimed by workers; staff finish it.
func (t *Tx) AddDelivery(d *roi.DeliveryRecord) error {
	now := t.s.now()
	d.RequestID, d.Attempts = t.req.ID, 0
	if d.State == "" {
		d.State = roi.DeliveryQueued
	}
	d.NextAt, d.CreatedAt, d.UpdatedAt = parseTime(now), parseTime(now), parseTime(now)
	return t.tx.QueryRowContext(t.ctx, `INSERT INTO deliveries (request_id, packet, channel, target, state, next_at, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		d.RequestID, d.Packet, d.Channel, d.Target, d.State, now, now, now).Scan(&d.ID)
}

// AddPortalLink stores a download link by the hash of its token.
func (t *Tx) AddPortalLink(l *roi.PortalLink, tokenHash string) error {
	now := t.s.now()
	l.RequestID, l.CreatedAt = t.req.ID, parseTime(now)
	return t.tx.QueryRowContext(t.ctx, `INSERT INTO portal_links (request_id, packet, token_hash, expires_at, created_at)
		VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		l.RequestID, l.Packet, tokenHash, l.ExpiresAt.UTC().Format(ledger.TimeFormat), now).Scan(&l.ID)
}

// AddLink stores a download link for request id outside a request
// update: the delivery worker makes one for each e-mail it sends.
func (s *Store) AddLink(ctx context.Context, id roi.RequestID, l *roi.PortalLink, tokenHash string) error {
	now := s.now()
	l.RequestID, l.CreatedAt = id, parseTime(now)
	return classify(s.write.QueryRowContext(ctx, `INSERT INTO portal_links (request_id, packet, token_hash, expires_at, created_at)
		VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		id, l.Packet, tokenHash, l.ExpiresAt.UTC().Format(ledger.TimeFormat), now).Scan(&l.ID))
}

const packetColumns = `id, request_id, packet_id, sha256, plain_sha256, pages, manifest, created_by, created_at`

func scanPacket(row interface{ Scan(...any) error }) (*roi.PacketRecord, error) {
	var p roi.PacketRecord
	var manifest, at string
	if err := row.Scan(&p.ID, &p.RequestID, &p.PacketID, &p.SHA256, &p.PlainSHA256, &p.Pages, &manifest, &p.CreatedBy, &at); err != nil {
		return nil, err
	}
	p.Manifest, p.CreatedAt = []byte(manifest), parseTime(at)
	return &p, nil
}

// Packets returns a request's packets in the order made.
func (s *Store) Packets(ctx context.Context, id roi.RequestID) ([]*roi.PacketRecord, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+packetColumns+` FROM packets WHERE request_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, classify(err)
	}
	defer rows.Close()
	var out []*roi.PacketRecord
	for rows.Next() {
		p, err := scanPacket(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, classify(rows.Err())
}

// PacketBySHA256 finds the packet whose encrypted file has digest sum.
func (s *Store) PacketBySHA256(ctx context.Context, sum string) (*roi.PacketRecord, error) {
	p, err := scanPacket(s.read.QueryRowContext(ctx, `SELECT `+packetColumns+` FROM packets WHERE sha256 = $1`, sum))
	if err == sql.ErrNoRows {
		return nil, notFound("Packet")
	}
	return p, classify(err)
}

// PacketContent returns a packet and its encrypted file as delivered
// (opened from its seal at rest). Returns CodeInternal if it does not open.
func (s *Store) PacketContent(ctx context.Context, id int64) (*roi.PacketRecord, []byte, error) {
	p, err := scanPacket(s.read.QueryRowContext(ctx, `SELECT `+packetColumns+` FROM packets WHERE id = $1`, id))
	if err == sql.ErrNoRows {
		return nil, nil, notFound("Packet")
	}
	if err != nil {
		return nil, nil, classify(err)
	}
	var content []byte
	if err := s.read.QueryRowContext(ctx, `SELECT content FROM packets WHERE id = $1`, id).Scan(&content); err != nil {
		return nil, nil, classify(err)
	}
	if content, err = s.open(KindPacket, id, content); err != nil {
		return nil, nil, err
	}
	return p, content, nil
}

const deliveryColumns = `id, request_id, packet, channel, target, state, attempts, next_at, last_error, receipt, created_at, updated_at`

func scanDelivery(row interface{ Scan(...any) error }) (*roi.DeliveryRecord, error) {
	var d roi.DeliveryRecord
	var next, receipt, created, updated string
	if err := row.Scan(&d.ID, &d.RequestID, &d.Packet, &d.Channel, &d.Target, &d.State, &d.Attempts, &next, &d.LastError, &receipt, &created, &updated); err != nil {
		return nil, err
	}
	d.NextAt, d.CreatedAt, d.UpdatedAt = parseTime(next), parseTime(created), parseTime(updated)
	if receipt != "" {
		d.Receipt = []byte(receipt)
	}
	return &d, nil
}

// Deliveries returns a request's delivery jobs in the order queued.
func (s *Store) Deliveries(ctx context.Context, id roi.RequestID) ([]*roi.DeliveryRecord, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+deliveryColumns+` FROM deliveries WHERE request_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, classify(err)
	}
	defer rows.Close()
	var out []*roi.DeliveryRecord
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, classify(rows.Err())
}

// Delivery returns one delivery job.
func (s *Store) Delivery(ctx context.Context, id int64) (*roi.DeliveryRecord, error) {
	d, err := scanDelivery(s.read.QueryRowContext(ctx, `SELECT `+deliveryColumns+` FROM deliveries WHERE id = $1`, id))
	if err == sql.ErrNoRows {
		return nil, notFound("Delivery")
	}
	return d, classify(err)
}

// ClaimDelivery takes the next delivery due for owner under a lease: a
// queued job whose time has come, or a running job whose worker's lease
// ran out (the worker died). It returns nil when nothing is due. On
// PostgreSQL, SKIP LOCKED lets instances claim different jobs at once;
// on SQLite the one writer serializes claims.
func (s *Store) ClaimDelivery(ctx context.Context, owner string, lease time.Duration) (*roi.DeliveryRecord, error) {
	now := s.Now().UTC()
	lock := ""
	if s.dialect == Postgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	var out *roi.DeliveryRecord
	err := s.tx(ctx, func(tx *sql.Tx) error {
		d, err := scanDelivery(tx.QueryRowContext(ctx, `UPDATE deliveries SET state = 'running', lease_owner = $1, lease_until = $2,
			attempts = attempts + 1, updated_at = $3
			WHERE id = (SELECT id FROM deliveries
				WHERE (state = 'queued' AND next_at <= $3) OR (state = 'running' AND lease_until < $3)
				ORDER BY next_at, id LIMIT 1`+lock+`)
			RETURNING `+deliveryColumns,
			owner, now.Add(lease).Format(ledger.TimeFormat), now.Format(ledger.TimeFormat)))
		if err == sql.ErrNoRows {
			return nil
		}
		out = d
		return err
	})
	return out, err
}

// FinishDelivery ends a job owner holds: state done (or waiting, for
// staff to complete) with its receipt, and the ledger event recording it,
// in one transaction. It fails with CodeConflict if owner lost the lease.
func (s *Store) FinishDelivery(ctx context.Context, id int64, owner string, state roi.DeliveryState, receipt []byte, ev roi.Event) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE deliveries SET state = $1, receipt = $2, lease_owner = '', lease_until = '', last_error = '', updated_at = $3
			WHERE id = $4 AND state = 'running' AND lease_owner = $5`, state, string(receipt), s.now(), id, owner)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return roi.Errorf(roi.CodeConflict, "Delivery %d is no longer held by this worker.", id)
		}
		return s.append(ctx, tx, ev)
	})
}

// RetryDelivery gives a job back after a failed attempt: queued again at
// next, or failed for good when permanent. message is public, never PHI.
// The event, if any, goes to the ledger in the same transaction.
func (s *Store) RetryDelivery(ctx context.Context, id int64, owner string, next time.Time, message string, permanent bool, ev *roi.Event) error {
	state := roi.DeliveryQueued
	if permanent {
		state = roi.DeliveryFailed
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE deliveries SET state = $1, next_at = $2, last_error = $3, lease_owner = '', lease_until = '', updated_at = $4
			WHERE id = $5 AND state = 'running' AND lease_owner = $6`,
			state, next.UTC().Format(ledger.TimeFormat), message, s.now(), id, owner)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return roi.Errorf(roi.CodeConflict, "Delivery %d is no longer held by this worker.", id)
		}
		if ev != nil {
			return s.append(ctx, tx, *ev)
		}
		return nil
	})
}

// CompleteWaiting finishes a job waiting for staff (postal mail, fax,
// pickup) with the receipt they recorded, and the ledger event.
func (s *Store) CompleteWaiting(ctx context.Context, id int64, receipt []byte, ev roi.Event) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE deliveries SET state = 'done', receipt = $1, updated_at = $2 WHERE id = $3 AND state = 'waiting'`,
			string(receipt), s.now(), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return roi.Errorf(roi.CodeConflict, "Delivery %d is not waiting for a tracking number.", id)
		}
		return s.append(ctx, tx, ev)
	})
}

// UsePortalLink loads the link whose token hashes to tokenHash and lets fn
// look at it and change its code and counters. The link's new state and
// fn's events are committed even when fn returns an error (a wrong code
// must still count as an attempt); that error is returned afterwards.
func (s *Store) UsePortalLink(ctx context.Context, tokenHash string, fn func(l *roi.PortalLink) ([]roi.Event, error)) error {
	return s.usePortalLink(ctx, `token_hash = $1`, tokenHash, fn)
}

// UseLatestPortalLink is UsePortalLink for request id's newest link, for
// staff who give a one-time code over the telephone.
func (s *Store) UseLatestPortalLink(ctx context.Context, id roi.RequestID, fn func(l *roi.PortalLink) ([]roi.Event, error)) error {
	return s.usePortalLink(ctx, `id = (SELECT MAX(id) FROM portal_links WHERE request_id = $1)`, id, fn)
}

func (s *Store) usePortalLink(ctx context.Context, where string, arg any, fn func(l *roi.PortalLink) ([]roi.Event, error)) error {
	var result error
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var l roi.PortalLink
		var expires, codeExpires, created string
		err := tx.QueryRowContext(ctx, `SELECT id, request_id, packet, expires_at, code_hash, code_expires, code_attempts, downloads, created_at
			FROM portal_links WHERE `+where, arg).Scan(&l.ID, &l.RequestID, &l.Packet, &expires, &l.CodeHash, &codeExpires, &l.CodeAttempts, &l.Downloads, &created)
		if err == sql.ErrNoRows {
			return roi.Errorf(roi.CodeNotFound, "This download link is not valid.")
		}
		if err != nil {
			return err
		}
		l.ExpiresAt, l.CreatedAt = parseTime(expires), parseTime(created)
		if codeExpires != "" {
			l.CodeExpires = parseTime(codeExpires)
		}
		evs, ferr := fn(&l)
		result = ferr
		codeExpires = ""
		if !l.CodeExpires.IsZero() {
			codeExpires = l.CodeExpires.UTC().Format(ledger.TimeFormat)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE portal_links SET code_hash = $1, code_expires = $2, code_attempts = $3, downloads = $4 WHERE id = $5`,
			l.CodeHash, codeExpires, l.CodeAttempts, l.Downloads, l.ID); err != nil {
			return fmt.Errorf("store: portal link: %w", err)
		}
		for _, ev := range evs {
			if err := s.append(ctx, tx, ev); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return result
}

// errNotFailed: only a failed delivery is retried or re-routed; one that
// is queued, running, waiting or done is still carrying its packet.
func errNotFailed(id int64) error {
	return roi.Errorf(roi.CodeConflict, "Delivery %d has not failed; only a failed delivery is retried or re-routed.", id)
}

// liveDelivery reports whether packet has a delivery other than except
// that is not failed: one already carrying it, so that two people
// recovering the same failure at once cannot send the packet twice.
func liveDelivery(ctx context.Context, tx *sql.Tx, packet, except int64) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM deliveries WHERE packet = $1 AND id <> $2 AND state <> 'failed'`, packet, except).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return roi.Errorf(roi.CodeConflict, "This packet already has another delivery under way or done; it is not sent again.")
	}
	return nil
}

// RequeueFailed queues failed delivery id again from its first attempt,
// due now, in state (queued for the worker), with the ledger event, in one
// transaction. It fails with CodeConflict if the delivery is not failed or
// its packet already travels another way.
func (s *Store) RequeueFailed(ctx context.Context, id int64, state roi.DeliveryState, ev roi.Event) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		var packet int64
		err := tx.QueryRowContext(ctx, `SELECT packet FROM deliveries WHERE id = $1`, id).Scan(&packet)
		if err == sql.ErrNoRows {
			return notFound("Delivery")
		}
		if err != nil {
			return err
		}
		if err := liveDelivery(ctx, tx, packet, id); err != nil {
			return err
		}
		now := s.now()
		res, err := tx.ExecContext(ctx, `UPDATE deliveries SET state = $1, attempts = 0, next_at = $2, last_error = '', receipt = '',
			lease_owner = '', lease_until = '', updated_at = $2 WHERE id = $3 AND state = 'failed'`, state, now, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errNotFailed(id)
		}
		return s.append(ctx, tx, ev)
	})
}

// RerouteFailed carries failed delivery from's packet by d's channel to
// d's target instead: a new job, or — the deliveries table keeps one job
// per packet and channel — the packet's earlier failed job by that channel
// reopened with the new target. A portal link (by its token's hash) is
// stored with it when link is not nil. ev builds the ledger event once the
// job's ID is known. It fails with CodeConflict if from is not failed or
// the packet already travels another way.
func (s *Store) RerouteFailed(ctx context.Context, from int64, d *roi.DeliveryRecord, link *roi.PortalLink, tokenHash string, ev func(*roi.DeliveryRecord) roi.Event) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		old, err := scanDelivery(tx.QueryRowContext(ctx, `SELECT `+deliveryColumns+` FROM deliveries WHERE id = $1`, from))
		if err == sql.ErrNoRows {
			return notFound("Delivery")
		}
		if err != nil {
			return err
		}
		if old.State != roi.DeliveryFailed {
			return errNotFailed(from)
		}
		if err := liveDelivery(ctx, tx, old.Packet, from); err != nil {
			return err
		}
		now := s.now()
		d.RequestID, d.Packet, d.Attempts = old.RequestID, old.Packet, 0
		d.NextAt, d.CreatedAt, d.UpdatedAt = parseTime(now), parseTime(now), parseTime(now)
		// The same channel, or a channel tried before for this packet and
		// failed: that row is reopened with the new destination.
		err = tx.QueryRowContext(ctx, `UPDATE deliveries SET target = $1, state = $2, attempts = 0, next_at = $3, last_error = '', receipt = '',
			lease_owner = '', lease_until = '', updated_at = $3 WHERE packet = $4 AND channel = $5 AND state = 'failed' RETURNING id, created_at`,
			d.Target, d.State, now, old.Packet, d.Channel).Scan(&d.ID, new(string))
		if err == sql.ErrNoRows {
			err = tx.QueryRowContext(ctx, `INSERT INTO deliveries (request_id, packet, channel, target, state, next_at, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
				d.RequestID, d.Packet, d.Channel, d.Target, d.State, now, now, now).Scan(&d.ID)
		}
		if err != nil {
			return err
		}
		if link != nil {
			l := link
			l.RequestID, l.Packet, l.CreatedAt = old.RequestID, old.Packet, parseTime(now)
			if err := tx.QueryRowContext(ctx, `INSERT INTO portal_links (request_id, packet, token_hash, expires_at, created_at)
				VALUES ($1, $2, $3, $4, $5) RETURNING id`,
				l.RequestID, l.Packet, tokenHash, l.ExpiresAt.UTC().Format(ledger.TimeFormat), now).Scan(&l.ID); err != nil {
				return err
			}
		}
		return s.append(ctx, tx, ev(d))
	})
}
