package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/vault"
)

func mustRing(t *testing.T, previous ...*vault.Key) (*vault.Ring, *vault.Key) {
	t.Helper()
	k, err := vault.NewKey(vault.GenerateKey())
	if err != nil {
		t.Fatal(err)
	}
	return vault.NewRing(k, previous...), k
}

// sealedFixture is one row of each sealed kind, written through the
// store's API, with the plaintext each holds.
type sealedFixture struct {
	req      *roi.DeskRequest
	doc      roi.DocumentRecord
	packet   *roi.PacketRecord
	sub      *SubmissionRecord
	subDoc   *SubmissionDocument
	user     *User
	docText  []byte
	pktText  []byte
	subText  []byte
	totpText string
}

func writeSealedFixture(t *testing.T, s *Store, tag string) *sealedFixture {
	t.Helper()
	ctx := context.Background()
	f := &sealedFixture{
		docText:  []byte("%PDF-1.7 Discharge summary of Ada Lovelace " + tag),
		pktText:  []byte("%PDF-1.7 encrypted packet body " + tag),
		subText:  []byte("%PDF-1.7 Authorization signed by Ada Lovelace " + tag),
		totpText: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PX" + strings.ToUpper(tag[:1]),
	}
	f.req = mustRequest(t, s, mustPatient(t, s), nil)
	f.packet = &roi.PacketRecord{PacketID: f.req.Number + "-P1", SHA256: "ab" + tag, PlainSHA256: "cd", Pages: 1, Manifest: json.RawMessage(`{}`), CreatedBy: "clerk"}
	var err error
	f.req, err = s.UpdateRequest(ctx, f.req.ID, f.req.Version, func(_ *roi.DeskRequest, tx *Tx) error {
		f.doc = roi.DocumentRecord{Name: "summary.pdf", ContentType: "application/pdf", AddedBy: "clerk"}
		if err := tx.AddDocument(&f.doc, f.docText); err != nil {
			return err
		}
		return tx.AddPacket(f.packet, f.pktText)
	})
	if err != nil {
		t.Fatal(err)
	}
	f.sub = mustSubmission(t, s, "token-"+tag)
	f.subDoc = &SubmissionDocument{Name: "auth.pdf", ContentType: "application/pdf", Kind: "authorization"}
	if err := s.AddSubmissionDocument(ctx, f.sub.ID, f.subDoc, f.subText, 3, roi.Event{Kind: "submission-document", Actor: "portal"}); err != nil {
		t.Fatal(err)
	}
	f.user = &User{Username: "clerk-" + tag, Name: "Clerk", Role: "intake-clerk", PasswordHash: "$argon2id$x", TOTPSecret: f.totpText}
	if err := s.AddUser(ctx, f.user, roi.Event{Kind: "user-added", Actor: "admin"}); err != nil {
		t.Fatal(err)
	}
	return f
}

// raw reads a column as stored, bypassing the store's opening.
func raw(t *testing.T, s *Store, table, column string, id int64) []byte {
	t.Helper()
	var b []byte
	if err := s.read.QueryRowContext(context.Background(), fmt.Sprintf(`SELECT %s FROM %s WHERE id = $1`, column, table), id).Scan(&b); err != nil {
		t.Fatal(err)
	}
	return b
}

// readBack checks that every row of f reads back as written, and returns
// the first error instead of failing when wantErr.
func (f *sealedFixture) readBack(t *testing.T, s *Store) error {
	t.Helper()
	ctx := context.Background()
	_, doc, err := s.DocumentContent(ctx, f.req.ID, f.doc.ID)
	if err != nil {
		return fmt.Errorf("document: %w", err)
	}
	_, pkt, err := s.PacketContent(ctx, f.packet.ID)
	if err != nil {
		return fmt.Errorf("packet: %w", err)
	}
	_, sub, err := s.SubmissionDocumentContent(ctx, f.sub.ID, f.subDoc.ID)
	if err != nil {
		return fmt.Errorf("submission document: %w", err)
	}
	u, err := s.UserByID(ctx, f.user.ID)
	if err != nil {
		return fmt.Errorf("user: %w", err)
	}
	if !bytes.Equal(doc, f.docText) || !bytes.Equal(pkt, f.pktText) || !bytes.Equal(sub, f.subText) || u.TOTPSecret != f.totpText {
		t.Fatalf("read back differs: %q %q %q %q", doc, pkt, sub, u.TOTPSecret)
	}
	return nil
}

// assertSealed checks that no sealed column holds its plaintext, and that
// each is under key id.
func (f *sealedFixture) assertSealed(t *testing.T, s *Store, id string) {
	t.Helper()
	for _, c := range []struct {
		table, column string
		row           int64
		plain         []byte
	}{
		{"documents", "content", f.doc.ID, f.docText},
		{"packets", "content", f.packet.ID, f.pktText},
		{"submission_documents", "content", f.subDoc.ID, f.subText},
		{"users", "totp_secret", f.user.ID, []byte(f.totpText)},
	} {
		b := raw(t, s, c.table, c.column, c.row)
		if bytes.Contains(b, c.plain) || bytes.Contains(b, []byte("Lovelace")) || bytes.Contains(b, c.plain[:8]) {
			t.Errorf("%s.%s %d holds its plaintext: %q", c.table, c.column, c.row, b)
		}
		got, ok := vault.KeyID(b)
		if c.table == "users" {
			got, ok = vault.TextKeyID(string(b))
		}
		if !ok || got != id {
			t.Errorf("%s.%s %d: under key %q (sealed %v), want %s", c.table, c.column, c.row, got, ok, id)
		}
	}
}

func TestStore_EncryptedAtRest(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ring, k := mustRing(t)
		s.Keys = ring
		f := writeSealedFixture(t, s, "a")
		f.assertSealed(t, s, k.ID())
		if err := f.readBack(t, s); err != nil {
			t.Fatal(err)
		}
		// The TOTP secret's seal survives an update that leaves it alone,
		// and a new secret is sealed too.
		ctx := context.Background()
		before := raw(t, s, "users", "totp_secret", f.user.ID)
		if err := s.UpdateUser(ctx, f.user.ID, func(u *User) ([]roi.Event, error) { u.Failed++; return nil, nil }); err != nil {
			t.Fatal(err)
		}
		if after := raw(t, s, "users", "totp_secret", f.user.ID); !bytes.Equal(before, after) {
			t.Error("an update not touching the secret resealed it")
		}
		f.totpText = "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU"
		if err := s.UpdateUser(ctx, f.user.ID, func(u *User) ([]roi.Event, error) { u.TOTPSecret = f.totpText; return nil, nil }); err != nil {
			t.Fatal(err)
		}
		f.assertSealed(t, s, k.ID())
		if err := f.readBack(t, s); err != nil {
			t.Fatal(err)
		}
		// Users lists open the secret too.
		us, err := s.Users(ctx)
		if err != nil || len(us) != 1 || us[0].TOTPSecret != f.totpText {
			t.Errorf("users: %v", err)
		}

		// Without the key nothing sealed opens, and the error says why
		// without content.
		s.Keys = nil
		err = f.readBack(t, s)
		if roi.CodeOf(err) != roi.CodeInternal || !strings.Contains(roi.PublicMessage(err), "key") || strings.Contains(err.Error(), "Lovelace") {
			t.Errorf("read without the key: %v", err)
		}
		other, _ := mustRing(t)
		s.Keys = other
		if err := f.readBack(t, s); roi.CodeOf(err) != roi.CodeInternal {
			t.Errorf("read with another key: %v", err)
		}
		if _, err := s.UserByID(ctx, f.user.ID); roi.CodeOf(err) != roi.CodeInternal {
			t.Errorf("user with another key: %v", err)
		}
	})
}

func TestStore_TamperedContentFails(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ring, _ := mustRing(t)
		s.Keys = ring
		f := writeSealedFixture(t, s, "a")
		ctx := context.Background()
		b := raw(t, s, "documents", "content", f.doc.ID)
		b[len(b)-20] ^= 0x10
		if _, err := s.write.ExecContext(ctx, `UPDATE documents SET content = $1 WHERE id = $2`, b, f.doc.ID); err != nil {
			t.Fatal(err)
		}
		if _, got, err := s.DocumentContent(ctx, f.req.ID, f.doc.ID); roi.CodeOf(err) != roi.CodeInternal || got != nil {
			t.Errorf("tampered document: %q %v", got, err)
		}
		// A blob moved to another row of the same kind opens but does not
		// match that row's SHA-256.
		g := writeSealedFixture(t, s, "b")
		if _, err := s.write.ExecContext(ctx, `UPDATE submission_documents SET content = $1 WHERE id = $2`,
			raw(t, s, "submission_documents", "content", f.subDoc.ID), g.subDoc.ID); err != nil {
			t.Fatal(err)
		}
		if _, got, err := s.SubmissionDocumentContent(ctx, g.sub.ID, g.subDoc.ID); roi.CodeOf(err) != roi.CodeInternal || got != nil {
			t.Errorf("swapped submission document: %q %v", got, err)
		}
		// A blob moved to a column of another kind does not open at all.
		if _, err := s.write.ExecContext(ctx, `UPDATE packets SET content = $1 WHERE id = $2`,
			raw(t, s, "documents", "content", g.doc.ID), g.packet.ID); err != nil {
			t.Fatal(err)
		}
		if _, got, err := s.PacketContent(ctx, g.packet.ID); roi.CodeOf(err) != roi.CodeInternal || got != nil {
			t.Errorf("document as packet: %q %v", got, err)
		}
	})
}

func TestStore_LegacyPlaintextReadAndSealedByRotate(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		f := writeSealedFixture(t, s, "a") // no keys: as before this change
		if b := raw(t, s, "documents", "content", f.doc.ID); !bytes.Equal(b, f.docText) {
			t.Fatalf("without keys the content is stored as it is: %q", b)
		}
		ring, k := mustRing(t)
		s.Keys = ring
		// With a key configured, plaintext in a sealed column is refused
		// (it may have been written behind the desk's back) until Rotate
		// seals it: never read as if it were trusted.
		if err := f.readBack(t, s); !errors.Is(err, ErrUnsealed) {
			t.Fatalf("legacy rows with a key configured, before rotate: %v", err)
		}
		// KeepPlaintext counts and leaves them, still refused.
		stats, err := s.Rotate(context.Background(), RotateOptions{KeepPlaintext: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range stats {
			if st.Plaintext != 1 || st.Encrypted != 0 {
				t.Errorf("keep plaintext: %+v", st)
			}
		}
		if err := f.readBack(t, s); !errors.Is(err, ErrUnsealed) {
			t.Fatalf("legacy rows kept plaintext: %v", err)
		}
		stats, err = s.Rotate(context.Background(), RotateOptions{Batch: 1})
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range stats {
			if st.Rows != 1 || st.Encrypted != 1 || st.Unreadable != 0 {
				t.Errorf("encrypt: %+v", st)
			}
		}
		f.assertSealed(t, s, k.ID())
		if err := f.readBack(t, s); err != nil {
			t.Fatal(err)
		}
	})
}

func TestStore_RotateRewrapsUnderNewKey(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		oldRing, oldKey := mustRing(t)
		s.Keys = oldRing
		var fs []*sealedFixture
		for _, tag := range []string{"a", "b", "c"} {
			fs = append(fs, writeSealedFixture(t, s, tag))
		}
		before := raw(t, s, "documents", "content", fs[0].doc.ID)
		ring, newKey := mustRing(t, oldKey)
		s.Keys = ring
		var progress int
		stats, err := s.Rotate(ctx, RotateOptions{Batch: 2, Progress: func(RotateStats) { progress++ }})
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range stats {
			if st.Rows != 3 || st.Rewrapped != 3 || st.Current != 0 || st.Unreadable != 0 {
				t.Errorf("rotate: %+v", st)
			}
		}
		if progress != 8 { // 2 batches × 4 tables
			t.Errorf("progress called %d times", progress)
		}
		// Only the wrapped key changed; the sealed content is the same.
		after := raw(t, s, "documents", "content", fs[0].doc.ID)
		if !bytes.Equal(before[vault.Overhead-16-12:], after[vault.Overhead-16-12:]) || bytes.Equal(before, after) {
			t.Error("rotation re-encrypted the content, or changed nothing")
		}
		// The new key alone reads everything; the old one alone nothing.
		s.Keys = vault.NewRing(newKey)
		for _, f := range fs {
			f.assertSealed(t, s, newKey.ID())
			if err := f.readBack(t, s); err != nil {
				t.Fatal(err)
			}
		}
		s.Keys = vault.NewRing(oldKey)
		if err := fs[0].readBack(t, s); roi.CodeOf(err) != roi.CodeInternal {
			t.Errorf("old key after rotation: %v", err)
		}
		// Again: resumable, nothing left to do.
		s.Keys = ring
		stats, err = s.Rotate(ctx, RotateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range stats {
			if st.Rows != 3 || st.Current != 3 || st.Rewrapped+st.Encrypted != 0 {
				t.Errorf("second rotate: %+v", st)
			}
		}
		// A blob under a key nobody holds is counted, left alone, and does
		// not stop the rest.
		stranger, _ := mustRing(t)
		s.Keys = stranger
		g := writeSealedFixture(t, s, "d")
		s.Keys = ring
		stats, err = s.Rotate(ctx, RotateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range stats {
			if st.Unreadable != 1 || st.Current != 3 {
				t.Errorf("stranger: %+v", st)
			}
		}
		if stats[0].FirstUnreadable != g.doc.ID {
			t.Errorf("first unreadable %d, want %d", stats[0].FirstUnreadable, g.doc.ID)
		}
	})
}

// TestStore_RotateWhileServing rotates while other goroutines keep adding
// and reading documents and signing in, as a server holding both keys does.
func TestStore_RotateWhileServing(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		oldRing, oldKey := mustRing(t)
		s.Keys = oldRing
		var fs []*sealedFixture
		for i := range 6 {
			fs = append(fs, writeSealedFixture(t, s, fmt.Sprintf("old%d", i)))
		}
		ring, newKey := mustRing(t, oldKey)
		s.Keys = ring

		var wg sync.WaitGroup
		errs := make(chan error, 100)
		stop := make(chan struct{})
		var added []roi.DocumentRecord
		var addedMu sync.Mutex
		wg.Add(2)
		go func() { // a clerk uploading
			defer wg.Done()
			r := fs[0].req
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				var d roi.DocumentRecord
				var err error
				r, err = s.UpdateRequest(ctx, r.ID, r.Version, func(_ *roi.DeskRequest, tx *Tx) error {
					d = roi.DocumentRecord{Name: fmt.Sprintf("upload-%d.pdf", i), ContentType: "application/pdf", AddedBy: "clerk"}
					return tx.AddDocument(&d, fmt.Appendf(nil, "upload %d", i))
				})
				if err != nil {
					errs <- fmt.Errorf("upload %d: %w", i, err)
					return
				}
				addedMu.Lock()
				added = append(added, d)
				addedMu.Unlock()
			}
		}()
		go func() { // staff reading and signing in
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				f := fs[i%len(fs)]
				if _, got, err := s.DocumentContent(ctx, f.req.ID, f.doc.ID); err != nil || !bytes.Equal(got, f.docText) {
					errs <- fmt.Errorf("read %d: %v", i, err)
					return
				}
				if err := s.UpdateUser(ctx, f.user.ID, func(u *User) ([]roi.Event, error) {
					if u.TOTPSecret != f.totpText {
						return nil, fmt.Errorf("totp secret differs")
					}
					u.TOTPLastStep++
					return nil, nil
				}); err != nil {
					errs <- fmt.Errorf("sign-in %d: %v", i, err)
					return
				}
			}
		}()
		stats, err := s.Rotate(ctx, RotateOptions{Batch: 2})
		close(stop)
		wg.Wait()
		close(errs)
		for e := range errs {
			t.Error(e)
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range stats {
			if st.Unreadable != 0 || st.Rewrapped < 6 {
				t.Errorf("rotate: %+v", st)
			}
		}
		// Everything, including what was written meanwhile, opens with the
		// new key alone.
		s.Keys = vault.NewRing(newKey)
		for _, f := range fs {
			f.assertSealed(t, s, newKey.ID())
			if err := f.readBack(t, s); err != nil {
				t.Fatal(err)
			}
		}
		if len(added) == 0 {
			t.Log("no upload happened during the rotation")
		}
		for _, d := range added {
			if _, got, err := s.DocumentContent(ctx, fs[0].req.ID, d.ID); err != nil || !strings.HasPrefix(string(got), "upload ") {
				t.Errorf("upload %d: %q %v", d.ID, got, err)
			}
		}
	})
}

// TestStore_PlaintextRefusedWithKey: with a key configured, plaintext put
// into any sealed column behind the desk's back (an administrator with the
// database) is refused on read, never served as if the desk had sealed it.
func TestStore_PlaintextRefusedWithKey(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		ring, _ := mustRing(t)
		s.Keys = ring
		f := writeSealedFixture(t, s, "a")
		if err := f.readBack(t, s); err != nil {
			t.Fatalf("sealed rows: %v", err)
		}
		reads := []struct {
			table, column string
			id            int64
			plain         []byte
			read          func() error
		}{
			{"documents", "content", f.doc.ID, f.docText, func() error { _, _, err := s.DocumentContent(ctx, f.req.ID, f.doc.ID); return err }},
			{"packets", "content", f.packet.ID, f.pktText, func() error { _, _, err := s.PacketContent(ctx, f.packet.ID); return err }},
			{"submission_documents", "content", f.subDoc.ID, f.subText, func() error {
				_, _, err := s.SubmissionDocumentContent(ctx, f.sub.ID, f.subDoc.ID)
				return err
			}},
			{"users", "totp_secret", f.user.ID, []byte(f.totpText), func() error { _, err := s.UserByID(ctx, f.user.ID); return err }},
		}
		for _, r := range reads {
			if err := r.read(); err != nil {
				t.Fatalf("%s before: %v", r.table, err)
			}
			var v any = r.plain
			if r.column == "totp_secret" {
				v = string(r.plain)
			}
			if _, err := s.write.ExecContext(ctx, fmt.Sprintf(`UPDATE %s SET %s = $1 WHERE id = $2`, r.table, r.column), v, r.id); err != nil {
				t.Fatal(err)
			}
			err := r.read()
			if !errors.Is(err, ErrUnsealed) || roi.CodeOf(err) != roi.CodeInternal {
				t.Errorf("%s.%s holding plaintext read with a key configured: %v", r.table, r.column, err)
			}
			if err != nil && strings.Contains(err.Error(), string(r.plain)) {
				t.Errorf("the refusal repeats the content: %v", err)
			}
		}
	})
}

// TestStore_SealedBlobBoundToItsRow: a sealed document copied (with its
// recorded hash) into another row of the same kind does not open there;
// a blob sealed before rows were bound still opens, and Rotate binds it.
func TestStore_SealedBlobBoundToItsRow(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		ring, _ := mustRing(t)
		s.Keys = ring
		a := writeSealedFixture(t, s, "a")
		b := writeSealedFixture(t, s, "b")
		// Row b gets row a's sealed content and hash: the swap an
		// administrator with the database could make.
		if _, err := s.write.ExecContext(ctx, `UPDATE documents SET content = $1, sha256 = (SELECT sha256 FROM documents WHERE id = $2) WHERE id = $3`,
			raw(t, s, "documents", "content", a.doc.ID), a.doc.ID, b.doc.ID); err != nil {
			t.Fatal(err)
		}
		if _, got, err := s.DocumentContent(ctx, b.req.ID, b.doc.ID); err == nil {
			t.Fatalf("row a's content opened as row b's: %q", got)
		}
		// A blob sealed bound to its kind only (before this change).
		old, err := ring.Seal(KindPacket, a.pktText)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.write.ExecContext(ctx, `UPDATE packets SET content = $1 WHERE id = $2`, old, a.packet.ID); err != nil {
			t.Fatal(err)
		}
		if _, got, err := s.PacketContent(ctx, a.packet.ID); err != nil || !bytes.Equal(got, a.pktText) {
			t.Fatalf("kind-only packet: %q %v", got, err)
		}
		stats, err := s.Rotate(ctx, RotateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		bound := map[string]int{}
		for _, st := range stats {
			bound[st.Table] = st.Bound
		}
		if bound["packets"] != 1 || bound["documents"] != 0 {
			t.Errorf("rotate bound %v, want the one kind-only packet", bound)
		}
		if !vault.RowBound(raw(t, s, "packets", "content", a.packet.ID)) {
			t.Error("the packet is not row-bound after rotate")
		}
		if _, got, err := s.PacketContent(ctx, a.packet.ID); err != nil || !bytes.Equal(got, a.pktText) {
			t.Fatalf("packet after rotate: %q %v", got, err)
		}
	})
}
