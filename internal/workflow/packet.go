package workflow

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/custodian-roi/custodian/internal/ccda"
	"github.com/custodian-roi/custodian/internal/letter"
	"github.com/custodian-roi/custodian/internal/packet"
	"github.com/custodian-roi/custodian/internal/roi"
)

// PacketRef is what the disclosure's ledger entry says of the packet:
// enough to answer "what exactly did we send?" with hashes — of the file
// as delivered, of the PDF before encryption, and of every item's source
// resources.
type PacketRef struct {
	ID          string     `json:"id"`
	SHA256      string     `json:"sha256"`
	PlainSHA256 string     `json:"plain_sha256"`
	Pages       int        `json:"pages"`
	Items       []ItemHash `json:"items"`
}

// ItemHash binds one released item to the bytes it was rendered from.
type ItemHash struct {
	Key    string `json:"key"`
	SHA256 string `json:"sha256"`
}

// built is a packet ready to store: the encrypted file, its record and the
// password that travels separately.
type built struct {
	record   *roi.PacketRecord
	content  []byte
	password string
	ref      *PacketRef
}

// buildPacket renders and encrypts the release packet of request r under
// its final decision: the cover letter, the released items (and only
// those) rendered from their stored source resources, and the Part 2
// notice with an explanation of the consent's scope when the decision
// carries it (42 CFR 2.32(a), (b)).
func (d *Desk) buildPacket(ctx context.Context, r *roi.DeskRequest, final *Final, chart []roi.ChartItem, f *roi.Facts, actor string) (*built, error) {
	existing, err := d.store.Packets(ctx, r.ID)
	if err != nil {
		return nil, err
	}
	packetID := r.Number + "-P" + strconv.Itoa(len(existing)+1)
	release := make(map[string]bool, len(final.Release))
	for _, k := range final.Release {
		release[k] = true
	}
	cover, err := letter.Cover(d.letterInput(r, final, chart, f))
	if err != nil {
		return nil, err
	}
	patient, err := d.store.Patient(ctx, r.PatientID)
	if err != nil {
		return nil, err
	}
	certifier, err := d.certifier(ctx, actor)
	if err != nil {
		return nil, err
	}
	in := packet.Input{
		Number:    r.Number,
		PacketID:  packetID,
		Recipient: recipientName(r),
		Released:  d.Today(),
		// A chart without the patient's name (it happens in imported
		// data) still releases: the header says so and carries the birth
		// date and MRN, rather than the release failing.
		Patient:      packet.Patient{Name: cmp.Or(strings.TrimSpace(patient.Name), "(no name in the record)"), BirthDate: patient.BirthDate, MRN: patient.MRN},
		Organization: d.Org.Name,
		Certifier:    certifier,
		Cover:        cover,
		Invoice: func(pages int) (*packet.Invoice, error) {
			return d.invoice(ctx, r.ID, pages)
		},
	}
	// Every resource the packet releases is known before any is rendered,
	// so that an item prints the display of a reference only when it names
	// one of them (what is printed never carries what is withheld).
	var items []roi.ChartItem
	var sources [][][]byte
	rel := packet.Released{}
	for _, it := range chart {
		if !release[it.Key] {
			continue
		}
		raws, keys, err := d.sourceResourceKeys(ctx, r.PatientID, it.Key)
		if err != nil {
			return nil, err
		}
		for _, k := range keys {
			rel[k] = true
		}
		items = append(items, it)
		sources = append(sources, raws)
	}
	for i, it := range items {
		render := packet.FromFHIR
		if _, fromCCDA := ccda.DocumentOf(it.Key); fromCCDA {
			render = packet.FromCCDA
		}
		pi, err := render(it, sources[i], rel)
		if err != nil {
			return nil, err
		}
		in.Items = append(in.Items, pi)
	}
	// A C-CDA document goes whole only when every item of it is released.
	for _, key := range wholeDocuments(chart, release) {
		raw, err := d.store.RawResource(ctx, r.PatientID, key)
		if roi.CodeOf(err) == roi.CodeNotFound {
			continue // its items were imported without it: they went above
		}
		if err != nil {
			return nil, err
		}
		pi, err := packet.FromCCDADocument(key, raw, documentLabels(chart, key))
		if err != nil {
			return nil, err
		}
		in.Items = append(in.Items, pi)
	}
	if final.Part2Notice {
		in.Part2 = &packet.Part2Notice{Statement: letter.Part2Statement, ConsentScope: consentScope(f)}
	}
	plain, m, err := packet.Build(in)
	if err != nil {
		return nil, err
	}
	password, err := packet.NewPassword()
	if err != nil {
		return nil, err
	}
	// The owner password (which lifts the print-only permissions) is
	// random and kept by nobody: no one needs to edit a released packet.
	owner, err := packet.NewPassword()
	if err != nil {
		return nil, err
	}
	enc, err := packet.Encrypt(plain, password, owner)
	if err != nil {
		return nil, err
	}
	manifest, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(enc)
	rec := &roi.PacketRecord{PacketID: packetID, SHA256: hex.EncodeToString(sum[:]), PlainSHA256: m.SHA256,
		Pages: m.Pages, Manifest: manifest, CreatedBy: actor}
	ref := &PacketRef{ID: packetID, SHA256: rec.SHA256, PlainSHA256: m.SHA256, Pages: m.Pages}
	for _, it := range m.Items {
		ref.Items = append(ref.Items, ItemHash{Key: it.Key, SHA256: it.SHA256})
	}
	return &built{record: rec, content: enc, password: password, ref: ref}, nil
}

// certifier is the releasing staff member as the packet's certification
// of records names them: their name and the title of their role. An actor
// with no staff account (a system process) leaves the lines blank, to be
// filled in by hand.
func (d *Desk) certifier(ctx context.Context, actor string) (packet.Certifier, error) {
	u, err := d.store.UserByName(ctx, actor)
	if roi.CodeOf(err) == roi.CodeNotFound {
		return packet.Certifier{}, nil
	}
	if err != nil {
		return packet.Certifier{}, err
	}
	role := roleTitles[u.Role]
	if role == "" {
		role = strings.ReplaceAll(u.Role, "-", " ")
	}
	return packet.Certifier{Name: u.Name, Role: role}, nil
}

// roleTitles are the staff roles (package auth) as a certification names
// them.
var roleTitles = map[string]string{
	"intake-clerk":    "Release-of-information intake clerk",
	"roi-specialist":  "Release-of-information specialist",
	"qa-reviewer":     "Release-of-information quality reviewer",
	"privacy-officer": "Privacy officer",
	"administrator":   "Health information administrator",
	"auditor":         "Auditor",
}

// invoice is the fee due for the release of request id, quoted (package
// fee, through Desk.Fee) on the packet's pages of records, as the packet
// prints it; nil when nothing is due. A request the calculator cannot
// quote (CodeInvalid: a configuration without costs, a basis it sets no
// fee for) gets no invoice rather than a guessed one.
func (d *Desk) invoice(ctx context.Context, id roi.RequestID, pages int) (*packet.Invoice, error) {
	q, err := d.Fee(ctx, id, FeeAsk{Pages: pages})
	if roi.CodeOf(err) == roi.CodeInvalid {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if q.Total <= 0 {
		return nil, nil
	}
	inv := &packet.Invoice{Total: q.Total.String(), Notes: q.Notes}
	for _, l := range q.Lines {
		inv.Lines = append(inv.Lines, packet.InvoiceLine{What: l.What, Cite: l.Cite, Amount: l.Amount.String()})
	}
	return inv, nil
}

// sourceResources returns an item's stored resource and the resources
// folded into it (a report's results), as imported, byte for byte.
func (d *Desk) sourceResources(ctx context.Context, pid roi.PatientID, key string) ([][]byte, error) {
	raws, _, err := d.sourceResourceKeys(ctx, pid, key)
	return raws, err
}

// sourceResourceKeys is sourceResources with the "Type/id" key of each
// resource returned.
func (d *Desk) sourceResourceKeys(ctx context.Context, pid roi.PatientID, key string) ([][]byte, []string, error) {
	raw, err := d.store.RawResource(ctx, pid, key)
	if roi.CodeOf(err) == roi.CodeNotFound {
		return nil, nil, roi.Errorf(roi.CodeConflict, "A released item has no stored source resource; import the patient's record again.")
	}
	if err != nil {
		return nil, nil, err
	}
	raws, keys := [][]byte{raw}, []string{key}
	if isDocumentKey(key) {
		return raws, keys, nil // a C-CDA document, kept as received: not JSON
	}
	var res map[string]any
	if err := json.Unmarshal(raw, &res); err != nil {
		return nil, nil, roi.WrapOp("workflow.packet-resource-read", roi.CodeInternal, err, "A stored resource does not read.")
	}
	for _, k := range folded(res) {
		raw, err := d.store.RawResource(ctx, pid, k)
		if roi.CodeOf(err) == roi.CodeNotFound {
			continue // a result the source named but did not send
		}
		if err != nil {
			return nil, nil, err
		}
		raws, keys = append(raws, raw), append(keys, k)
	}
	return raws, keys, nil
}

// consentScope explains the scope of the Part 2 consents the disclosure
// rests on (42 CFR 2.32(b) allows this in place of a copy): who may
// disclose what to whom, for what, until when.
func consentScope(f *roi.Facts) string {
	var parts []string
	for _, a := range f.Evidence.Authorizations {
		if !a.Part2 || a.Revoked.Known() {
			continue
		}
		var b strings.Builder
		b.WriteString("Consent")
		if a.ID != "" {
			b.WriteString(" " + a.ID)
		}
		if a.Signed.Known() {
			b.WriteString(", signed " + a.Signed.String())
		}
		if a.Discloser != "" {
			b.WriteString(", permits " + a.Discloser + " to disclose")
		} else {
			b.WriteString(", permits disclosure of")
		}
		if a.Description != "" {
			b.WriteString(" " + a.Description)
		} else {
			b.WriteString(" the records described in the consent")
		}
		if a.Recipient != "" {
			b.WriteString(" to " + a.Recipient)
		}
		if a.Purpose != "" {
			b.WriteString(" for the purpose of " + a.Purpose)
		}
		if a.Covers.From.Known() || a.Covers.To.Known() {
			b.WriteString(", covering records dated " + dateOr(a.Covers.From, "any date") + " to " + dateOr(a.Covers.To, "any date"))
		}
		switch {
		case a.Expires.Known():
			b.WriteString("; it expires " + a.Expires.String())
		case a.ExpirationEvent != "":
			b.WriteString("; it expires on: " + a.ExpirationEvent)
		}
		b.WriteString(". The patient may revoke it at any time, except to the extent it has already been acted on.")
		parts = append(parts, b.String())
	}
	if len(parts) == 0 {
		return "The disclosure rests on the patient's written consent held on file with the request."
	}
	return strings.Join(parts, "\n")
}

func dateOr(d roi.Date, none string) string {
	if d.Known() {
		return d.String()
	}
	return none
}

// recipientName is who the packet is addressed to.
func recipientName(r *roi.DeskRequest) string {
	if r.Recipient != "" {
		return r.Recipient
	}
	return r.Requester.Name
}
