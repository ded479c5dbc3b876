package web

import (
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/custodian-roi/custodian/internal/fee"
	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/workflow"
)

// The requester portal: separate from the staff side (its own layout, no
// staff session, no PHI beyond what the requester typed in themselves).
// The status token lives after '#' in the link and travels in POST
// bodies, never in a URL the server sees.

type portalPage struct {
	Title   string
	Org     string
	Error   string
	Done    string // what the requester's action did, when it worked
	Token   string
	Receipt *workflow.SubmissionReceipt
	Status  *workflow.SubmissionStatus
	Message string // the status in the page's language
	Kinds   []roi.Kind
	Bases   []roi.Basis
	Form    map[string]string
	// Lang is the page's language and T its words (portalText); Switch
	// says how the language switch works: "form" posts the status token
	// back (the page holds one), "link" reloads the page.
	Lang   roi.Language
	T      map[string]string
	Switch string
}

// portal renders a portal page in p.Lang (English when empty).
func (s *Server) portal(w http.ResponseWriter, status int, name string, p portalPage) {
	p.Org = s.desk.Org.Name
	if _, ok := portalText[p.Lang]; !ok {
		p.Lang = roi.LanguageEnglish
	}
	p.T = portalText[p.Lang]
	if t := p.T["title."+p.Title]; t != "" {
		p.Title = t
	}
	if p.Status != nil {
		p.Message = workflow.StatusMessage(p.Lang, p.Status)
	}
	s.write(w, status, name, p)
}

// portalLangCookie keeps the requester's choice of language: not PHI, not
// in any URL once chosen.
const portalLangCookie = "__Host-portal-lang"

// portalLang returns the language of a portal page: the one just chosen
// (form or query field lang, which is then kept in a cookie), else the one
// kept, else fallback (the submission's), else English.
func portalLang(w http.ResponseWriter, r *http.Request, fallback roi.Language) roi.Language {
	if v := r.FormValue("lang"); v != "" {
		if l, ok := roi.ParseLanguage(v); ok {
			http.SetCookie(w, &http.Cookie{Name: portalLangCookie, Value: string(l), Path: "/", MaxAge: 365 * 24 * 3600,
				Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode})
			return l
		}
	}
	if c, err := r.Cookie(portalLangCookie); err == nil {
		if l, ok := roi.ParseLanguage(c.Value); ok {
			return l
		}
	}
	if l, ok := roi.ParseLanguage(string(fallback)); ok {
		return l
	}
	return roi.LanguageEnglish
}

// portalKinds and portalBases are what a requester may claim online; the
// clerk checks every claim.
var (
	portalKinds = []roi.Kind{roi.KindPatient, roi.KindRepresentative, roi.KindAttorney, roi.KindProvider, roi.KindInsurer,
		roi.KindEmployer, roi.KindOther}
	portalBases = []roi.Basis{roi.BasisAccess, roi.BasisDirective, roi.BasisAuthorization}
)

func (s *Server) handlePortalHome() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.portal(w, http.StatusOK, "portal_submit", portalPage{Title: "Ask for medical records", Kinds: portalKinds, Bases: portalBases,
			Lang: portalLang(w, r, ""), Switch: "link"})
	})
}

func (s *Server) handlePortalSubmit() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
		if err := r.ParseForm(); err != nil {
			lang := portalLang(w, r, "")
			s.portal(w, http.StatusBadRequest, "portal_submit", portalPage{Title: "Ask for medical records", Error: portalText[lang]["err.form"],
				Kinds: portalKinds, Bases: portalBases, Lang: lang, Switch: "link"})
			return
		}
		f := r.PostForm
		// The form's hidden language field is the page's language: the
		// request's letters will be written in it.
		lang := portalLang(w, r, roi.Language(f.Get("language")))
		keep := map[string]string{}
		for k := range f {
			keep[k] = f.Get(k)
		}
		fail := func(err error) {
			s.portal(w, statusOf[roi.CodeOf(err)], "portal_submit", portalPage{Title: "Ask for medical records",
				Error: s.shown(r, err), Kinds: portalKinds, Bases: portalBases, Form: keep, Lang: lang, Switch: "link"})
		}
		sub := workflow.Submission{PatientName: f.Get("patient_name"), RequesterKind: roi.Kind(f.Get("requester_kind")),
			RequesterName: f.Get("requester_name"), Basis: roi.Basis(f.Get("basis")), Recipient: f.Get("recipient"),
			Format: fee.Format(f.Get("format")), Delivery: roi.Delivery(f.Get("delivery")), Contact: f.Get("contact"),
			Email: f.Get("email"), Type: roi.RequestRecords, Language: lang}
		var err error
		if sub.BirthDate, err = roi.ParseDate(f.Get("birth_date")); err != nil {
			fail(roi.Errorf(roi.CodeInvalid, "%s", portalText[lang]["err.birth"]))
			return
		}
		for _, p := range []struct {
			name string
			to   *roi.Date
		}{{"from", &sub.Scope.From}, {"to", &sub.Scope.To}} {
			if v := f.Get(p.name); v != "" {
				if *p.to, err = roi.ParseDate(v); err != nil {
					fail(roi.Errorf(roi.CodeInvalid, "%s", portalText[lang]["err.range"]))
					return
				}
			}
		}
		// A submission with an e-mail address sends it a code: counted
		// with the code e-mails of the same client (issue #15).
		if strings.TrimSpace(sub.Email) != "" {
			if err := s.codeMail.allowClient(clientOf(r), s.desk.Now()); err != nil {
				fail(roi.Errorf(roi.CodeRateLimited, "%s", portalText[lang]["err.toomanycodes"]))
				return
			}
		}
		rc, err := s.desk.Submit(r.Context(), sub)
		if err != nil {
			fail(err)
			return
		}
		st, err := s.desk.SubmissionStatus(r.Context(), rc.Token)
		if err != nil {
			fail(err)
			return
		}
		s.portal(w, http.StatusOK, "portal_status", portalPage{Title: "Request received", Receipt: rc, Token: rc.Token, Status: st,
			Lang: lang, Switch: "form"})
	})
}

func (s *Server) handlePortalStatusPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.portal(w, http.StatusOK, "portal_status", portalPage{Title: "Your request", Lang: portalLang(w, r, ""), Switch: "form"})
	})
}

// portalAct runs a requester action with the token from the form, then
// shows the status page with the words of key done (or the error on it).
func (s *Server) portalAct(done string, run func(r *http.Request, token string) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var token string
		var err error
		if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
			r.Body = http.MaxBytesReader(w, r.Body, workflow.MaxDocumentBytes+1<<20)
			if err = r.ParseMultipartForm(1 << 20); err != nil {
				err = roi.Errorf(roi.CodeTooLarge, "%s", portalText[portalLang(w, r, "")]["err.large"])
			}
		} else {
			r.Body = http.MaxBytesReader(w, r.Body, 4096)
			if err = r.ParseForm(); err != nil {
				err = roi.Errorf(roi.CodeInvalid, "%s", portalText[portalLang(w, r, "")]["err.form"])
			}
		}
		token = strings.TrimSpace(r.FormValue("token"))
		if err == nil && token == "" {
			err = roi.Errorf(roi.CodeInvalid, "%s", portalText[portalLang(w, r, "")]["err.token"])
		}
		if err == nil && run != nil {
			err = run(r, token)
		}
		p := portalPage{Title: "Your request", Token: token, Switch: "form"}
		code := http.StatusOK
		if err != nil {
			p.Error, code = s.shown(r, err), statusOf[roi.CodeOf(err)]
		}
		var fallback roi.Language
		if token != "" {
			if st, serr := s.desk.SubmissionStatus(r.Context(), token); serr == nil {
				p.Status, fallback = st, st.Language
			} else if err == nil {
				p.Error, code = s.shown(r, serr), statusOf[roi.CodeOf(serr)]
			}
		}
		p.Lang = portalLang(w, r, fallback)
		if err == nil && done != "" {
			p.Done = portalText[p.Lang][done]
		}
		s.portal(w, code, "portal_status", p)
	})
}

func (s *Server) handlePortalStatus() http.Handler { return s.portalAct("", nil) }

func (s *Server) handlePortalResend() http.Handler {
	return s.portalAct("done.resent", func(r *http.Request, token string) error {
		// Each code is an e-mail to a requester's address: limited per
		// submission and per client (issue #15).
		if err := s.codeMail.allow(token, clientOf(r), s.desk.Now()); err != nil {
			var lang roi.Language
			if st, err := s.desk.SubmissionStatus(r.Context(), token); err == nil {
				lang = st.Language
			}
			return roi.Errorf(roi.CodeRateLimited, "%s", portalText[portalLang(httpDiscard{}, r, lang)]["err.toomanycodes"])
		}
		return s.desk.SendSubmissionCode(r.Context(), token)
	})
}

func (s *Server) handlePortalVerify() http.Handler {
	return s.portalAct("done.verified", func(r *http.Request, token string) error {
		return s.desk.VerifySubmissionEmail(r.Context(), token, strings.TrimSpace(r.FormValue("code")))
	})
}

func (s *Server) handlePortalUpload() http.Handler {
	return s.portalAct("done.uploaded", func(r *http.Request, token string) error {
		lang := portalLang(httpDiscard{}, r, "")
		f, hdr, err := r.FormFile("file")
		if err != nil {
			return roi.Errorf(roi.CodeInvalid, "%s", portalText[lang]["err.nofile"])
		}
		defer f.Close()
		content, err := io.ReadAll(io.LimitReader(f, workflow.MaxDocumentBytes+1))
		if err != nil {
			return roi.Errorf(roi.CodeInvalid, "%s", portalText[lang]["err.unreadable"])
		}
		return s.desk.AddSubmissionDocument(r.Context(), token, r.FormValue("kind"), hdr.Filename, content)
	})
}

// httpDiscard is a ResponseWriter for reading the language where no
// cookie is to be set.
type httpDiscard struct{}

func (httpDiscard) Header() http.Header         { return http.Header{} }
func (httpDiscard) Write(b []byte) (int, error) { return len(b), nil }
func (httpDiscard) WriteHeader(int)             {}

// ---- staff: portal submissions ----

type submissionsPage struct {
	Rows []*workflow.SubmissionRecord
}

func (s *Server) handleSubmissionsPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rows, err := s.desk.Submissions(r.Context(), workflow.SubmissionSubmitted)
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		s.render(w, r, http.StatusOK, "submissions", "Portal submissions", submissionsPage{Rows: rows})
	})
}

type submissionPage struct {
	V          *workflow.SubmissionView
	Candidates []*roi.PatientRecord
}

func (s *Server) handleSubmissionPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		v, err := s.desk.Submission(r.Context(), actor(r), id)
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		// Candidates: patients with the same birth date; the clerk
		// decides which one (if any) the request is about.
		cands, err := s.desk.PatientsBornOn(r.Context(), actor(r), v.Form.BirthDate)
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		s.render(w, r, http.StatusOK, "submission", "Submission "+v.Record.Number, submissionPage{V: v, Candidates: cands})
	})
}

func (s *Server) handleSubmissionDocument() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, docID, err := documentPath(r)
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		d, content, err := s.desk.SubmissionDocument(r.Context(), actor(r), id, docID)
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		w.Header().Set("Content-Type", d.ContentType)
		w.Header().Set("Content-Disposition", "attachment; filename=\"submission-document-"+strconv.FormatInt(docID, 10)+"\"")
		w.Write(content)
	})
}

func (s *Server) handleSubmissionAccept() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err == nil {
			r.Body = http.MaxBytesReader(w, r.Body, 4096)
			err = r.ParseForm()
		}
		var pid int64
		if err == nil {
			if pid, err = strconv.ParseInt(r.PostForm.Get("patient"), 10, 64); err != nil {
				err = roi.Errorf(roi.CodeInvalid, "Choose the patient the request is about.")
			}
		}
		var req *roi.DeskRequest
		if err == nil {
			req, err = s.desk.AcceptSubmission(r.Context(), actor(r), id, roi.PatientID(pid))
		}
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		http.Redirect(w, r, "/requests/"+strconv.FormatInt(int64(req.ID), 10)+"?done=accepted", http.StatusSeeOther)
	})
}

func (s *Server) handleSubmissionConfirm() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err == nil {
			r.Body = http.MaxBytesReader(w, r.Body, 4096)
			err = r.ParseForm()
		}
		if err == nil {
			err = s.desk.ConfirmSubmissionContact(r.Context(), actor(r), id, r.PostForm.Get("how"))
		}
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		http.Redirect(w, r, "/submissions/"+strconv.FormatInt(id, 10)+"?done=confirmed", http.StatusSeeOther)
	})
}

func (s *Server) handleSubmissionReject() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err == nil {
			r.Body = http.MaxBytesReader(w, r.Body, 4096)
			err = r.ParseForm()
		}
		if err == nil {
			err = s.desk.RejectSubmission(r.Context(), actor(r), id, r.PostForm.Get("reason"))
		}
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		http.Redirect(w, r, "/submissions?done=rejected", http.StatusSeeOther)
	})
}

// portalText is every word of the requester portal's pages, by language;
// the status sentences are workflow's (workflow.StatusMessage). A test
// checks that Spanish has every English key. Keys "title.X" translate the
// page title X.
var portalText = map[roi.Language]map[string]string{
	roi.LanguageEnglish: {
		"title.Ask for medical records": "Ask for medical records",
		"title.Request received":        "Request received",
		"title.Your request":            "Your request",
		"title.Download your records":   "Download your records",
		"brand":                         "Medical records",
		"tagline":                       "Requests for medical records",
		"language":                      "Language",
		"err.form":                      "The form could not be read.",
		"err.birth":                     "The patient's date of birth must be a real date (YYYY-MM-DD).",
		"err.range":                     "The dates of the records you want must be real dates (YYYY-MM-DD).",
		"err.large":                     "The file is too large or the form could not be read.",
		"err.token":                     "The link's token is missing; open the link you were given again.",
		"err.toomanycodes":              "Too many codes were asked for; wait 15 minutes and try again.",
		"err.nofile":                    "Choose a file to upload.",
		"err.unreadable":                "The file could not be read.",
		"done.resent":                   "We sent a new code to your e-mail address.",
		"done.verified":                 "Thank you: your e-mail address is confirmed.",
		"done.uploaded":                 "Thank you: we received your file. We will look at it soon.",

		"submit.intro": "Tell us whose records you want and why. We check who you are and your right to the records before " +
			"anything is released. You will get a number to quote and a private link to follow your request.",
		"submit.patient":    "The patient",
		"submit.fullname":   "Full name",
		"submit.birth":      "Date of birth (YYYY-MM-DD)",
		"submit.you":        "You",
		"submit.iam":        "I am",
		"submit.yourname":   "Your name (or organization)",
		"submit.email":      "Your e-mail address (we send a code to check it)",
		"submit.basis":      "What entitles you",
		"submit.basis.help": "access: your own records or as the patient's parent or representative; directive: the patient directs a copy to someone; authorization: the patient signed an authorization for you.",
		"submit.recipient":  "Send to someone else? Their name (optional)",
		"submit.what":       "What you want",
		"submit.from":       "Records from (optional, YYYY-MM-DD)",
		"submit.to":         "Records to (optional)",
		"submit.format":     "Format",
		"format.electronic": "electronic (PDF)",
		"format.paper":      "paper",
		"submit.delivery":   "Delivery",
		"delivery.portal":   "secure download",
		"delivery.email":    "secure e-mail link",
		"delivery.mail":     "postal mail",
		"submit.contact":    "Postal address (only for postal mail)",
		"submit.send":       "Send my request",
		"submit.already":    "Already asked? Open the private link you were given to see where your request stands.",
		"submit.lang.note":  "Our letters about this request will be in English.",

		"kind.patient":                 "the patient",
		"kind.personal-representative": "the patient's parent, guardian or representative",
		"kind.attorney":                "an attorney",
		"kind.provider":                "a health care provider",
		"kind.insurer":                 "an insurer",
		"kind.employer":                "an employer",
		"kind.other":                   "someone else",
		"basis.access":                 "access",
		"basis.directive":              "directive",
		"basis.authorization":          "authorization",

		"status.received":  "We received your request",
		"status.number":    "Your request number is",
		"status.quote":     "Quote it if you call us.",
		"status.link":      "Your private link to follow it (keep it; anyone with it can see the status):",
		"status.codesent":  "We sent a code to your e-mail address. Enter it below to confirm the address.",
		"status.heading":   "Your request",
		"status.due":       "We must answer by",
		"status.code":      "Code from your e-mail",
		"status.confirm":   "Confirm my e-mail",
		"status.resend":    "Send a new code",
		"status.nocode":    "No code arriving? Call the records office and quote your request number: they can confirm your address by telephone.",
		"status.upload":    "Upload",
		"upload.id":        "a photo of your ID (to prove who you are)",
		"upload.auth":      "a signed authorization or proof of your authority",
		"status.show":      "Show my request",
		"download.heading": "Download your records",
		"download.intro": "Your records are protected twice: by a one-time code we send to your e-mail address, and by a " +
			"password the records office gives you separately to open the file.",
		"download.send": "Send me a one-time code",
		"download.code": "One-time code",
		"download.go":   "Download",
	},
	roi.LanguageSpanish: {
		"title.Ask for medical records": "Solicitar registros médicos",
		"title.Request received":        "Solicitud recibida",
		"title.Your request":            "Su solicitud",
		"title.Download your records":   "Descargar sus registros",
		"brand":                         "Registros médicos",
		"tagline":                       "Solicitudes de registros médicos",
		"language":                      "Idioma",
		"err.form":                      "No se pudo leer el formulario.",
		"err.birth":                     "La fecha de nacimiento del paciente debe ser una fecha válida (AAAA-MM-DD).",
		"err.range":                     "Las fechas de los registros que desea deben ser fechas válidas (AAAA-MM-DD).",
		"err.large":                     "El archivo es demasiado grande o no se pudo leer el formulario.",
		"err.token":                     "Falta el código del enlace; vuelva a abrir el enlace que recibió.",
		"err.toomanycodes":              "Se pidieron demasiados códigos; espere 15 minutos y vuelva a intentarlo.",
		"err.nofile":                    "Elija un archivo para subir.",
		"err.unreadable":                "No se pudo leer el archivo.",
		"done.resent":                   "Le enviamos un código nuevo a su dirección de correo electrónico.",
		"done.verified":                 "Gracias: su dirección de correo electrónico quedó confirmada.",
		"done.uploaded":                 "Gracias: recibimos su archivo. Lo revisaremos pronto.",

		"submit.intro": "Díganos de quién son los registros que desea y por qué. Verificamos su identidad y su derecho a los " +
			"registros antes de entregar nada. Recibirá un número de referencia y un enlace privado para seguir su solicitud.",
		"submit.patient":    "El paciente",
		"submit.fullname":   "Nombre completo",
		"submit.birth":      "Fecha de nacimiento (AAAA-MM-DD)",
		"submit.you":        "Usted",
		"submit.iam":        "Yo soy",
		"submit.yourname":   "Su nombre (o el de su organización)",
		"submit.email":      "Su correo electrónico (le enviaremos un código para verificarlo)",
		"submit.basis":      "Qué le da derecho",
		"submit.basis.help": "acceso: sus propios registros, o como padre, madre o representante del paciente; instrucción: el paciente pide que se envíe una copia a alguien; autorización: el paciente firmó una autorización a su favor.",
		"submit.recipient":  "¿Enviar a otra persona? Su nombre (opcional)",
		"submit.what":       "Qué desea",
		"submit.from":       "Registros desde (opcional, AAAA-MM-DD)",
		"submit.to":         "Registros hasta (opcional)",
		"submit.format":     "Formato",
		"format.electronic": "electrónico (PDF)",
		"format.paper":      "papel",
		"submit.delivery":   "Entrega",
		"delivery.portal":   "descarga segura",
		"delivery.email":    "enlace seguro por correo electrónico",
		"delivery.mail":     "correo postal",
		"submit.contact":    "Dirección postal (solo para correo postal)",
		"submit.send":       "Enviar mi solicitud",
		"submit.already":    "¿Ya hizo una solicitud? Abra el enlace privado que recibió para ver en qué estado está.",
		"submit.lang.note":  "Nuestras cartas sobre esta solicitud estarán en español.",

		"kind.patient":                 "el paciente",
		"kind.personal-representative": "padre, madre, tutor o representante del paciente",
		"kind.attorney":                "abogado",
		"kind.provider":                "proveedor de atención médica",
		"kind.insurer":                 "aseguradora",
		"kind.employer":                "empleador",
		"kind.other":                   "otra persona",
		"basis.access":                 "acceso",
		"basis.directive":              "instrucción",
		"basis.authorization":          "autorización",

		"status.received":  "Recibimos su solicitud",
		"status.number":    "Su número de solicitud es",
		"status.quote":     "Indíquelo si nos llama.",
		"status.link":      "Su enlace privado para seguirla (guárdelo; cualquier persona que lo tenga puede ver el estado):",
		"status.codesent":  "Le enviamos un código a su correo electrónico. Escríbalo abajo para confirmar la dirección.",
		"status.heading":   "Su solicitud",
		"status.due":       "Debemos responderle a más tardar el",
		"status.code":      "Código de su correo electrónico",
		"status.confirm":   "Confirmar mi correo electrónico",
		"status.resend":    "Enviar un código nuevo",
		"status.nocode":    "¿No le llega el código? Llame a la oficina de registros e indique su número de solicitud: pueden confirmar su dirección por teléfono.",
		"status.upload":    "Subir",
		"upload.id":        "una foto de su identificación (para demostrar quién es)",
		"upload.auth":      "una autorización firmada o una prueba de su autoridad",
		"status.show":      "Ver mi solicitud",
		"download.heading": "Descargar sus registros",
		"download.intro": "Sus registros tienen doble protección: un código de un solo uso que le enviamos por correo electrónico, " +
			"y una contraseña que la oficina de registros le da por separado para abrir el archivo.",
		"download.send": "Enviarme un código de un solo uso",
		"download.code": "Código de un solo uso",
		"download.go":   "Descargar",
	},
}
