// Package roi is the vocabulary of release of information: the facts a
// records desk holds about one request (patient, chart items and their
// sensitivity labels, the request, the evidence), the decision the rules
// reach about it, and the codes that name every reason.
//
// It imports only the standard library, performs no I/O and never reads the
// clock: every date it handles comes from its caller.
package roi
