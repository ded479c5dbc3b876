package web

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/custodian-roi/custodian/internal/doc"
	"github.com/custodian-roi/custodian/internal/fee"
	"github.com/custodian-roi/custodian/internal/packet"
	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/workflow"
)

// replayKey carries, through a request's context, the body the
// idempotency layer keeps in place of the real answer: a release shows its
// password once and the stored replay must not hold it.
type replayKey struct{}

type replay struct{ body []byte }

// setReplay tells the idempotency layer to keep v instead of the answer.
func setReplay(r *http.Request, v any) {
	if rp, ok := r.Context().Value(replayKey{}).(*replay); ok {
		rp.body, _ = json.MarshalIndent(v, "", "  ")
	}
}

func withReplay(ctx context.Context) (context.Context, *replay) {
	rp := &replay{}
	return context.WithValue(ctx, replayKey{}, rp), rp
}

// releaseView is the answer to a release. Password and link are shown
// once, here, and never stored.
type releaseView struct {
	Request    any                  `json:"request"`
	Disclosure *workflow.Disclosure `json:"disclosure"`
	Packet     packetView           `json:"packet"`
	Delivery   deliveryView         `json:"delivery"`
	Password   string               `json:"password,omitempty"`
	Link       string               `json:"link,omitempty"`
	Note       string               `json:"note"`
}

type packetView struct {
	ID          int64           `json:"id"`
	PacketID    string          `json:"packet_id"`
	SHA256      string          `json:"sha256"`
	PlainSHA256 string          `json:"plain_sha256"`
	Pages       int             `json:"pages"`
	Manifest    json.RawMessage `json:"manifest"`
	CreatedBy   string          `json:"created_by"`
	CreatedAt   string          `json:"created_at"`
}

func viewPacket(p *roi.PacketRecord) packetView {
	return packetView{ID: p.ID, PacketID: p.PacketID, SHA256: p.SHA256, PlainSHA256: p.PlainSHA256, Pages: p.Pages,
		Manifest: p.Manifest, CreatedBy: p.CreatedBy, CreatedAt: p.CreatedAt.Format("2006-01-02T15:04:05Z")}
}

type deliveryView struct {
	ID        int64             `json:"id"`
	Packet    int64             `json:"packet"`
	Channel   roi.Delivery      `json:"channel"`
	State     roi.DeliveryState `json:"state"`
	Attempts  int               `json:"attempts"`
	NextAt    string            `json:"next_at"`
	LastError string            `json:"last_error,omitempty"`
	Receipt   json.RawMessage   `json:"receipt,omitempty"`
}

func viewDelivery(d *roi.DeliveryRecord) deliveryView {
	return deliveryView{ID: d.ID, Packet: d.Packet, Channel: d.Channel, State: d.State, Attempts: d.Attempts,
		NextAt: d.NextAt.Format("2006-01-02T15:04:05Z"), LastError: d.LastError, Receipt: receiptView(d.Receipt)}
}

func (s *Server) handleRelease() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in versioned
		s.change(w, r, &in, func(id roi.RequestID) (any, error) {
			req, dis, iss, err := s.desk.Release(r.Context(), actor(r), id, in.Version)
			if err != nil {
				return nil, err
			}
			out := releaseView{Request: s.requestView(req), Disclosure: dis, Packet: viewPacket(iss.Packet),
				Delivery: viewDelivery(iss.Delivery), Password: iss.Password, Link: iss.Link,
				Note: "The password opens the packet and is shown only now: give it to the recipient separately (telephone or letter), never with the packet."}
			kept := out
			kept.Password, kept.Link = "", ""
			kept.Note = "This is a replay: the password and link were shown once, when the packet was released."
			setReplay(r, kept)
			return out, nil
		})
	})
}

func (s *Server) handlePackets() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			writeError(w, s.log, err)
			return
		}
		ps, err := s.desk.Packets(r.Context(), roi.RequestID(id))
		if err != nil {
			writeError(w, s.log, err)
			return
		}
		out := []packetView{}
		for _, p := range ps {
			out = append(out, viewPacket(p))
		}
		writeJSON(w, http.StatusOK, map[string]any{"packets": out})
	})
}

func (s *Server) handlePacketFile() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		var pid int64
		if err == nil {
			pid, err = pathID(r, "packet")
		}
		if err != nil {
			writeError(w, s.log, err)
			return
		}
		p, content, err := s.desk.PacketFile(r.Context(), actor(r), roi.RequestID(id), pid)
		if err != nil {
			writeError(w, s.log, err)
			return
		}
		writePDF(w, p.PacketID+".pdf", content)
	})
}

// writePDF sends a PDF as a download named by an opaque ID, never by a
// patient's name.
func writePDF(w http.ResponseWriter, name string, b []byte) {
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.Write(b)
}

func (s *Server) handleDeliveries() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			writeError(w, s.log, err)
			return
		}
		ds, err := s.desk.Deliveries(r.Context(), roi.RequestID(id))
		if err != nil {
			writeError(w, s.log, err)
			return
		}
		out := []deliveryView{}
		for _, d := range ds {
			out = append(out, viewDelivery(d))
		}
		writeJSON(w, http.StatusOK, map[string]any{"deliveries": out})
	})
}

func (s *Server) handleCompleteDelivery() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		var in workflow.Complete
		if err == nil {
			err = decode(w, r, &in)
		}
		if err != nil {
			writeError(w, s.log, err)
			return
		}
		d, err := s.desk.CompleteDelivery(r.Context(), actor(r), id, in)
		if err != nil {
			writeError(w, s.log, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"delivery": viewDelivery(d)})
	})
}

func (s *Server) handleIssueCode() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			writeError(w, s.log, err)
			return
		}
		code, err := s.desk.IssueCode(r.Context(), actor(r), roi.RequestID(id))
		if err != nil {
			writeError(w, s.log, err)
			return
		}
		setReplay(r, map[string]string{"note": "This is a replay: the code was shown once."})
		writeJSON(w, http.StatusOK, map[string]any{"code": code, "expires_in_minutes": int(workflow.CodeLifetime.Minutes()),
			"note": "Read the code to the requester only after checking who they are. It works once."})
	})
}

// writeLetter answers with a letter as PDF, or as plain text when the
// client's Accept header prefers text/plain (negotiate weighs q-values);
// 406 when it accepts neither.
func (s *Server) writeLetter(w http.ResponseWriter, r *http.Request, name string, l doc.Letter) {
	ct, ok := negotiate(r.Header.Get("Accept"), "application/pdf", "text/plain")
	if !ok {
		writeError(w, s.log, notAcceptable("application/pdf", "text/plain"))
		return
	}
	if ct == "text/plain" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte(l.Text()))
		return
	}
	b, err := packet.RenderLetter(l)
	if err != nil {
		writeError(w, s.log, err)
		return
	}
	writePDF(w, name, b)
}

func (s *Server) handleLetter() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			writeError(w, s.log, err)
			return
		}
		kind := r.PathValue("kind")
		l, err := s.desk.Letter(r.Context(), actor(r), roi.RequestID(id), kind)
		if err != nil {
			writeError(w, s.log, err)
			return
		}
		s.writeLetter(w, r, l.Reference+"-"+kind+".pdf", l)
	})
}

func (s *Server) handleAccountingLetter() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			writeError(w, s.log, err)
			return
		}
		l, err := s.desk.AccountingLetterWith(r.Context(), actor(r), roi.PatientID(id), workflow.AccountingOptions{Summarize: summarize(r)})
		if err != nil {
			writeError(w, s.log, err)
			return
		}
		s.writeLetter(w, r, "accounting-"+strconv.FormatInt(id, 10)+".pdf", l)
	})
}

func (s *Server) handleFee() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			writeError(w, s.log, err)
			return
		}
		q := r.URL.Query()
		ask := workflow.FeeAsk{Format: fee.Format(q.Get("format"))}
		flags := map[string]*bool{"media": &ask.Media, "mail": &ask.Mail, "portal": &ask.Portal, "summary": &ask.Summary, "certified": &ask.Certified}
		for name, p := range flags {
			if v := q.Get(name); v != "" {
				if *p, err = strconv.ParseBool(v); err != nil {
					writeError(w, s.log, roi.Errorf(roi.CodeInvalid, "Parameter %s must be true or false.", name))
					return
				}
			}
		}
		ints := map[string]*int{"pages": &ask.Pages, "prior_accountings": &ask.PriorAccountings}
		for name, p := range ints {
			if v := q.Get(name); v != "" {
				if *p, err = strconv.Atoi(v); err != nil || *p < 0 {
					writeError(w, s.log, roi.Errorf(roi.CodeInvalid, "Parameter %s must be a whole number, 0 or more.", name))
					return
				}
			}
		}
		quote, err := s.desk.Fee(r.Context(), roi.RequestID(id), ask)
		if err != nil {
			writeError(w, s.log, err)
			return
		}
		writeJSON(w, http.StatusOK, quote)
	})
}

// The requester's side of a download: the link in the e-mail points at
// /portal/download with the token after '#', so the token never reaches a
// server log or a Referer; the portal's script copies it into the forms.
// Browsers posting the forms get pages back; JSON clients get JSON.
func (s *Server) handlePortalPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.portal(w, http.StatusOK, "portal_download", portalPage{Title: "Download your records", Lang: portalLang(w, r, ""), Switch: "link"})
	})
}

// fromForm reports whether a portal post came from the page's form
// rather than a JSON client.
func fromForm(r *http.Request) bool {
	return !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json")
}

// portalForm reads the token (and code) from a JSON or form body.
func portalForm(w http.ResponseWriter, r *http.Request) (token, code string, err error) {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		var in struct {
			Token string `json:"token"`
			Code  string `json:"code"`
		}
		if err := decode(w, r, &in); err != nil {
			return "", "", err
		}
		token, code = in.Token, in.Code
	} else {
		r.Body = http.MaxBytesReader(w, r.Body, 4096)
		if err := r.ParseForm(); err != nil {
			return "", "", roi.Errorf(roi.CodeInvalid, "The form could not be read.")
		}
		token, code = r.PostForm.Get("token"), r.PostForm.Get("code")
	}
	if strings.TrimSpace(token) == "" {
		return "", "", roi.Errorf(roi.CodeInvalid, "The link's token is missing; open the link from your e-mail again.")
	}
	return token, code, nil
}

func (s *Server) handlePortalCode() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, _, err := portalForm(w, r)
		if err == nil {
			// Each code is an e-mail to a requester's address: limited per
			// link and per client (issue #15).
			err = s.codeMail.allow(token, clientOf(r), s.desk.Now())
		}
		if err == nil {
			err = s.desk.SendCode(r.Context(), token)
		}
		const sent = "We sent a one-time code to the e-mail address on file. It works for 15 minutes."
		switch {
		case fromForm(r) && err != nil:
			s.portal(w, statusOf[roi.CodeOf(err)], "portal_download", portalPage{Title: "Download your records", Token: token, Error: s.shown(r, err)})
		case fromForm(r):
			s.portal(w, http.StatusAccepted, "portal_download", portalPage{Title: "Download your records", Token: token, Done: sent})
		case err != nil:
			writeError(w, s.log, err)
		default:
			writeJSON(w, http.StatusAccepted, map[string]string{"message": sent})
		}
	})
}

func (s *Server) handlePortalDownload() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, code, err := portalForm(w, r)
		if err != nil {
			writeError(w, s.log, err)
			return
		}
		p, content, err := s.desk.Download(r.Context(), token, code)
		if err != nil && fromForm(r) {
			s.portal(w, statusOf[roi.CodeOf(err)], "portal_download", portalPage{Title: "Download your records", Token: token, Error: s.shown(r, err)})
			return
		}
		if err != nil {
			writeError(w, s.log, err)
			return
		}
		writePDF(w, p.PacketID+".pdf", content)
	})
}
