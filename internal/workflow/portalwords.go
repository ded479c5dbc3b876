package workflow

import (
	"context"
	"slices"
	"strings"

	"github.com/custodian-roi/custodian/internal/roi"
)

// What the portal's status page says, by key, in each language the desk
// writes. A status says what actually happened: a download link is
// mentioned only when one was e-mailed, mail and fax only once staff
// recorded that the packet left. TestPortalWordsComplete checks that every
// key has every language.
const (
	SayChecking           = "checking"           // submitted, or accepted and being verified
	SayConfirmEmail       = "confirm-email"      // appended while the address is unconfirmed
	SayRejected           = "rejected"           // followed by the clerk's reason
	SayInReview           = "in-review"          //
	SayAwaiting           = "awaiting"           // followed by what is missing
	SayPreparing          = "preparing"          // approved, or released with nothing queued yet
	SayEmailSending       = "email-sending"      // the e-mail with the link is queued
	SayEmailSent          = "email-sent"         // the e-mail with the link went out
	SayEmailFailed        = "email-failed"       // the e-mail could not be sent
	SayPortalAsk          = "portal-ask"         // ready for download; the office gives the link
	SayDownloaded         = "downloaded"         //
	SayMailPending        = "mail-pending"       // ready, not yet recorded as mailed
	SayMailed             = "mailed"             //
	SayFaxPending         = "fax-pending"        //
	SayFaxed              = "faxed"              //
	SayPickupReady        = "pickup-ready"       //
	SayPickedUp           = "picked-up"          //
	SaySent               = "sent"               // SFTP to a configured destination
	SayPartial            = "partial"            // appended: some records withheld
	SayDenied             = "denied"             //
	SayCancelled          = "cancelled"          //
	SayClosed             = "closed"             //
	sayMissingOther       = "missing-other"      // a missing thing said generically
	sayMissingIdentity    = "missing-identity"   //
	sayMissingAuthority   = "missing-authority"  //
	sayMissingRep         = "missing-rep"        //
	sayMissingAssurances  = "missing-assurances" //
	sayMissingAuthorizatn = "missing-authorization"
)

// portalWords holds every sentence of the status page, by language.
var portalWords = map[roi.Language]map[string]string{
	roi.LanguageEnglish: {
		SayChecking:     "We received your request and are checking who you are and your authority.",
		SayConfirmEmail: "Please confirm your e-mail address with the code we sent you.",
		SayRejected:     "We could not accept your request:",
		SayInReview:     "Your request is being reviewed.",
		SayAwaiting:     "We need something from you:",
		SayPreparing:    "Your records are being prepared.",
		SayEmailSending: "Your records are ready. We are sending you an e-mail with a link to download them.",
		SayEmailSent:    "Your records are ready. We e-mailed you a link to download them; it works for a limited time.",
		SayEmailFailed: "Your records are ready, but we could not send the e-mail with the download link. The records office " +
			"will contact you; you may also call them and quote your request number.",
		SayPortalAsk: "Your records are ready to download. No link has been e-mailed: call the records office and quote your " +
			"request number, and they will give you the download link and a code.",
		SayDownloaded:  "Your records were downloaded.",
		SayMailPending: "Your records are ready and will be sent by mail. We will update this page when they are mailed.",
		SayMailed:      "Your records were sent by mail.",
		SayFaxPending:  "Your records are ready and will be sent by fax. We will update this page when they are sent.",
		SayFaxed:       "Your records were sent by fax.",
		SayPickupReady: "Your records are ready for pickup at the records office. Bring a photo ID.",
		SayPickedUp:    "Your records were picked up at the records office.",
		SaySent:        "Your records were sent securely to the destination on file.",
		SayPartial:     "Some records were withheld; our letter explains why.",
		SayDenied:      "We sent you a letter explaining our decision.",
		SayCancelled:   "Your request was cancelled.",
		SayClosed:      "Your request is closed.",

		sayMissingOther:       "information the records office will tell you about",
		sayMissingIdentity:    "proof of who you are",
		sayMissingAuthority:   "a document showing your authority to ask for these records",
		sayMissingRep:         "a document showing you may act for the patient",
		sayMissingAssurances:  "the assurances the law requires with a subpoena",
		sayMissingAuthorizatn: "a valid signed authorization",
	},
	roi.LanguageSpanish: {
		SayChecking:     "Recibimos su solicitud y estamos verificando su identidad y su autoridad.",
		SayConfirmEmail: "Por favor, confirme su dirección de correo electrónico con el código que le enviamos.",
		SayRejected:     "No pudimos aceptar su solicitud:",
		SayInReview:     "Estamos revisando su solicitud.",
		SayAwaiting:     "Necesitamos algo de usted:",
		SayPreparing:    "Estamos preparando sus registros.",
		SayEmailSending: "Sus registros están listos. Le estamos enviando un correo electrónico con un enlace para descargarlos.",
		SayEmailSent:    "Sus registros están listos. Le enviamos por correo electrónico un enlace para descargarlos; funciona por tiempo limitado.",
		SayEmailFailed: "Sus registros están listos, pero no pudimos enviar el correo electrónico con el enlace de descarga. La oficina " +
			"de registros se comunicará con usted; también puede llamarla e indicar su número de solicitud.",
		SayPortalAsk: "Sus registros están listos para descargar. No se le ha enviado ningún enlace por correo electrónico: llame a la " +
			"oficina de registros e indique su número de solicitud, y le darán el enlace de descarga y un código.",
		SayDownloaded:  "Sus registros se descargaron.",
		SayMailPending: "Sus registros están listos y se enviarán por correo postal. Actualizaremos esta página cuando se envíen.",
		SayMailed:      "Sus registros se enviaron por correo postal.",
		SayFaxPending:  "Sus registros están listos y se enviarán por fax. Actualizaremos esta página cuando se envíen.",
		SayFaxed:       "Sus registros se enviaron por fax.",
		SayPickupReady: "Sus registros están listos para recogerlos en la oficina de registros. Traiga una identificación con foto.",
		SayPickedUp:    "Sus registros se recogieron en la oficina de registros.",
		SaySent:        "Sus registros se enviaron de forma segura al destino registrado.",
		SayPartial:     "Algunos registros no se entregaron; nuestra carta explica por qué.",
		SayDenied:      "Le enviamos una carta que explica nuestra decisión.",
		SayCancelled:   "Su solicitud fue cancelada.",
		SayClosed:      "Su solicitud está cerrada.",

		sayMissingOther:       "información sobre la que le informará la oficina de registros",
		sayMissingIdentity:    "una prueba de su identidad",
		sayMissingAuthority:   "un documento que demuestre su autoridad para pedir estos registros",
		sayMissingRep:         "un documento que demuestre que puede actuar en nombre del paciente",
		sayMissingAssurances:  "las garantías que exige la ley con una citación judicial",
		sayMissingAuthorizatn: "una autorización firmada válida",
	},
}

// missingKeys say, in words that reveal nothing of the record, what a
// pending request waits for. Anything else (a code not listed, words a
// person typed) is said generically.
var missingKeys = map[roi.Code]string{
	roi.CodeIdentityUnverified:       sayMissingIdentity,
	roi.CodeAuthorityDocsMissing:     sayMissingAuthority,
	roi.CodeNotPersonalRep:           sayMissingRep,
	roi.CodeAssurancesNeeded:         sayMissingAssurances,
	roi.CodeAuthorizationExpired:     sayMissingAuthorizatn,
	roi.CodeAuthorizationIncomplete:  sayMissingAuthorizatn,
	roi.CodeAuthorizationRevoked:     sayMissingAuthorizatn,
	roi.CodeAuthorizationCompound:    sayMissingAuthorizatn,
	roi.CodeAuthorizationConditioned: sayMissingAuthorizatn,
	roi.CodeAuthorizationFalse:       sayMissingAuthorizatn,
	roi.CodeRecipientNotAuthorized:   sayMissingAuthorizatn,
}

// missingSaid returns the keys of what is missing, each once.
func missingSaid(missing []string) []string {
	var out []string
	for _, m := range missing {
		k, ok := missingKeys[roi.Code(m)]
		if !ok {
			k = sayMissingOther
		}
		if !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	if len(out) == 0 {
		out = append(out, sayMissingOther)
	}
	return out
}

// StatusMessage says st in lang (English when lang is not one the desk
// writes): its sentences, what is missing, and the clerk's reason for a
// rejection as the clerk wrote it.
func StatusMessage(lang roi.Language, st *SubmissionStatus) string {
	w, ok := portalWords[lang]
	if !ok {
		w = portalWords[roi.LanguageEnglish]
	}
	var parts []string
	for _, k := range st.Say {
		parts = append(parts, w[k])
	}
	s := strings.Join(parts, " ")
	if len(st.Missing) > 0 {
		var ms []string
		for _, k := range st.Missing {
			ms = append(ms, w[k])
		}
		s += " " + strings.Join(ms, "; ") + "."
	}
	if st.Reason != "" {
		s += " " + st.Reason
	}
	return s
}

// releasedSay says how released records went, from the request's delivery
// jobs: what happened, never what was only planned.
func (d *Desk) releasedSay(ctx context.Context, r *roi.DeskRequest) (string, error) {
	jobs, err := d.store.Deliveries(ctx, r.ID)
	if err != nil {
		return "", err
	}
	// The newest job for the request's channel tells.
	var job *roi.DeliveryRecord
	for _, j := range jobs {
		if job == nil || j.ID > job.ID {
			job = j
		}
	}
	if job == nil {
		return SayPreparing, nil
	}
	done := job.State == roi.DeliveryDone
	switch job.Channel {
	case roi.DeliveryEmail:
		switch job.State {
		case roi.DeliveryDone:
			return SayEmailSent, nil
		case roi.DeliveryFailed:
			return SayEmailFailed, nil
		}
		return SayEmailSending, nil
	case roi.DeliveryPortal:
		if done {
			return SayDownloaded, nil
		}
		return SayPortalAsk, nil
	case roi.DeliveryMail:
		if done {
			return SayMailed, nil
		}
		return SayMailPending, nil
	case roi.DeliveryFax:
		if done {
			return SayFaxed, nil
		}
		return SayFaxPending, nil
	case roi.DeliveryPickup:
		if done {
			return SayPickedUp, nil
		}
		return SayPickupReady, nil
	case roi.DeliverySFTP:
		if done {
			return SaySent, nil
		}
	}
	return SayPreparing, nil
}
