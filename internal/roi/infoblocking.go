package roi

// Exception is what a practice that withholds or delays electronic health
// information rests on under 45 CFR Part 171 (information blocking). The
// decision engine names the first four; the desk lets a person name any of
// them for a delay or a withholding the rules did not decide. ExceptionNone is
// an information-blocking risk: the desk surfaces it, never hides it.
type Exception string

const (
	// ExceptionNone: no exception applies.
	ExceptionNone Exception = "none"
	// ExceptionNotEHI: psychotherapy notes and information compiled for
	// litigation are not electronic health information (171.102).
	ExceptionNotEHI Exception = "not-ehi"
	// ExceptionPreventingHarm: a licensed professional's determination of
	// harm, or endangerment by a representative (171.201).
	ExceptionPreventingHarm Exception = "preventing-harm"
	// ExceptionPrivacyPrecondition: a precondition the law sets is not met:
	// identity, a representative's authority, a consent or specific
	// authorization, a minor's own consent (171.202(b)).
	ExceptionPrivacyPrecondition Exception = "privacy-precondition"
	// ExceptionPrivacyDenial: a denial of the individual's access on a
	// HIPAA unreviewable ground (171.202(d)).
	ExceptionPrivacyDenial Exception = "privacy-denial"
	// ExceptionPrivacyIndividualRequest: the individual asked that the
	// information not be shared, or that its release wait (171.202(e)).
	ExceptionPrivacyIndividualRequest Exception = "privacy-individual-request"
	// ExceptionSecurity: directly related to safeguarding the information,
	// tailored to the risk, applied consistently (171.203).
	ExceptionSecurity Exception = "security"
	// ExceptionInfeasibility: an uncontrollable event, segmentation that
	// cannot be done, or infeasible under the circumstances; the requester
	// gets a written reason within ten business days (171.204).
	ExceptionInfeasibility Exception = "infeasibility"
	// ExceptionHealthITPerformance: the system is down for maintenance or
	// repair, no longer than necessary (171.205).
	ExceptionHealthITPerformance Exception = "health-it-performance"
	// ExceptionProtectingCareAccess: protecting lawful reproductive health
	// care (171.206).
	ExceptionProtectingCareAccess Exception = "protecting-care-access"
	// ExceptionManner: fulfilled in an alternative manner because the
	// requested one cannot be done (171.301).
	ExceptionManner Exception = "manner"
	// ExceptionFees: a fee that meets 171.302 (and 164.524(c)(4)).
	ExceptionFees Exception = "fees"
)

// Exceptions lists every exception, in the order of Part 171.
var Exceptions = []Exception{
	ExceptionNotEHI, ExceptionPreventingHarm, ExceptionPrivacyPrecondition, ExceptionPrivacyDenial,
	ExceptionPrivacyIndividualRequest, ExceptionSecurity, ExceptionInfeasibility,
	ExceptionHealthITPerformance, ExceptionProtectingCareAccess, ExceptionManner, ExceptionFees,
	ExceptionNone,
}

// Valid reports whether e is one of Exceptions.
func (e Exception) Valid() bool {
	for _, x := range Exceptions {
		if x == e {
			return true
		}
	}
	return false
}

// InfoBlockingRequest is the key of an information-blocking entry about the
// request as a whole (a deny or pending) rather than one item.
const InfoBlockingRequest = "request"
