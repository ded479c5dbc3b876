package web

import (
	"net/http"

	"github.com/custodian-roi/custodian/internal/auth"
)

// route is one endpoint: every route of the server is listed in routes, in
// one place, with the permission it needs ("" for a public route), and
// each must appear in the OpenAPI document (a test checks). Permissions
// are enforced in one place, Server.guard.
type route struct {
	method, pattern string
	handler         func(s *Server) http.Handler
	summary         string
	perm            auth.Permission
}

var routes = []route{
	{"GET", "/healthz", (*Server).handleHealth, "Liveness", ""},
	{"GET", "/api/v1/openapi.json", (*Server).handleOpenAPI, "This API's OpenAPI 3.1 document", ""},

	{"POST", "/api/v1/requests", (*Server).handleIntake, "Record a new request (intake)", auth.PermIntake},
	{"GET", "/api/v1/requests", (*Server).handleQueue, "The queue, soonest due first, with filters", auth.PermViewQueue},
	{"GET", "/api/v1/requests/{id}", (*Server).handleRequestShow, "A request with its evidence, decisions and history", auth.PermViewRequest},
	{"POST", "/api/v1/requests/{id}/evidence", (*Server).handleEvidence, "Attach evidence", auth.PermEvidence},
	{"POST", "/api/v1/requests/{id}/evidence/{ev}/withdraw", (*Server).handleWithdrawEvidence, "Withdraw an evidence entry, with the reason (kept on record, no longer counted)", auth.PermEvidence},
	{"POST", "/api/v1/requests/{id}/documents", (*Server).handleUpload, "Upload a document (PDF or image)", auth.PermEvidence},
	{"GET", "/api/v1/requests/{id}/documents/{doc}", (*Server).handleDocument, "Download an uploaded document", auth.PermViewRequest},
	{"POST", "/api/v1/requests/{id}/evaluate", (*Server).handleEvaluate, "Run the decision engine on the request as it stands", auth.PermEvaluate},
	{"POST", "/api/v1/requests/{id}/decide", (*Server).handleDecide, "Decide: approve, partial, deny, pending or escalate", auth.PermDecide},
	{"POST", "/api/v1/requests/{id}/resolve", (*Server).handleResolve, "Resolve an escalation", auth.PermResolveEscalation},
	{"POST", "/api/v1/requests/{id}/extend", (*Server).handleExtend, "Extend the deadline once", auth.PermDecide},
	// Information blocking (45 CFR Part 171): the reason is the privacy officer's (workflow checks the role too).
	{"GET", "/api/v1/requests/{id}/info-blocking", (*Server).handleIBShow, "What each withholding, hold and delay rests on under Part 171, and the time from ready to release", auth.PermViewRequest},
	{"POST", "/api/v1/requests/{id}/info-blocking/reason", (*Server).handleIBReason, "The privacy officer's reason for practices resting on no Part 171 exception", auth.PermResolveEscalation},
	{"POST", "/api/v1/requests/{id}/info-blocking/delay", (*Server).handleIBDelay, "Why a request ready to release waits, and the Part 171 exception it rests on", auth.PermDecide},
	{"GET", "/api/v1/info-blocking/risks", (*Server).handleRisks, "Access and directive requests at information-blocking risk now", auth.PermViewQueue},
	{"POST", "/api/v1/requests/{id}/release", (*Server).handleRelease, "Release: build the encrypted packet, record the disclosure, queue the delivery", auth.PermRelease},
	{"GET", "/api/v1/requests/{id}/packets", (*Server).handlePackets, "The request's release packets and their manifests", auth.PermViewRequest},
	{"GET", "/api/v1/requests/{id}/packets/{packet}", (*Server).handlePacketFile, "Download a release packet (encrypted PDF), e.g. to print for mail", auth.PermViewRequest},
	{"GET", "/api/v1/requests/{id}/deliveries", (*Server).handleDeliveries, "The request's deliveries and their receipts", auth.PermViewRequest},
	{"POST", "/api/v1/deliveries/{id}/complete", (*Server).handleCompleteDelivery, "Record a mail or fax tracking number, or a pickup", auth.PermCompleteDelivery},
	{"POST", "/api/v1/deliveries/{id}/retry", (*Server).handleRetryDelivery, "Queue a failed delivery again, same channel and destination, once its cause is fixed", auth.PermRelease},
	{"POST", "/api/v1/deliveries/{id}/reroute", (*Server).handleRerouteDelivery, "Send a failed delivery's packet by another channel or to another destination", auth.PermRelease},
	{"POST", "/api/v1/requests/{id}/portal-code", (*Server).handleIssueCode, "Issue a one-time download code to read to the requester", auth.PermCompleteDelivery},
	{"GET", "/api/v1/requests/{id}/letters/{kind}", (*Server).handleLetter, "A letter from the stored decision (PDF, or text with Accept: text/plain)", auth.PermViewRequest},
	{"GET", "/api/v1/requests/{id}/access", (*Server).handleAccessLog, "The request's access log: who viewed its PHI, when, and what", auth.PermAccounting},
	{"GET", "/api/v1/requests/{id}/fee", (*Server).handleFee, "The fee for the request, line by line with citations", auth.PermViewRequest},
	{"POST", "/api/v1/requests/{id}/assign", (*Server).handleAssign, "Assign to a staff member", auth.PermIntake},
	{"POST", "/api/v1/requests/{id}/cancel", (*Server).handleCancel, "Cancel", auth.PermIntake},
	{"POST", "/api/v1/requests/{id}/close", (*Server).handleClose, "Close a finished request", auth.PermDecide},
	{"GET", "/api/v1/requests/{id}/export", (*Server).handleExport, "What the decision releases, as a FHIR Bundle with security labels and Provenance", auth.PermRelease},
	{"GET", "/api/v1/reminders", (*Server).handleReminders, "Open requests due soon or overdue", auth.PermViewQueue},

	{"GET", "/api/v1/patients", (*Server).handlePatients, "Patients", auth.PermViewRequest},
	{"GET", "/api/v1/patients/{id}/chart", (*Server).handleChart, "A patient's chart items and their labels", auth.PermViewRequest},
	{"POST", "/api/v1/patients/{id}/labels", (*Server).handleLabel, "Add a chart item's label (at once) or propose removing one (202: waits for a second person), with the reason", auth.PermLabel},
	{"GET", "/api/v1/patients/{id}/label-proposals", (*Server).handleLabelProposals, "Proposed label removals waiting for a second person (?all=1: decided ones too)", auth.PermViewRequest},
	{"POST", "/api/v1/patients/{id}/label-proposals/{proposal}", (*Server).handleDecideLabelProposal, "Approve (not the proposer) or reject a proposed label removal", auth.PermLabel},
	{"GET", "/api/v1/patients/{id}/accounting", (*Server).handleAccounting, "Accounting of disclosures (JSON, or CSV with Accept: text/csv)", auth.PermAccounting},
	{"GET", "/api/v1/patients/{id}/accounting/letter", (*Server).handleAccountingLetter, "Accounting of disclosures as the report sent to the patient (PDF or text)", auth.PermAccounting},
	{"GET", "/api/v1/patients/{id}/accounting/suspensions", (*Server).handleSuspensions, "Suspensions of the accounting on an agency's statement (164.528(a)(2)), each with its end", auth.PermAccounting},
	{"POST", "/api/v1/patients/{id}/accounting/suspensions", (*Server).handleSuspend, "Record an agency's statement suspending the accounting of disclosures to it (164.528(a)(2))", auth.PermResolveEscalation},

	{"GET", "/portal/download", (*Server).handlePortalPage, "Requester: the download page a delivery link opens", ""},
	{"POST", "/portal/v1/code", (*Server).handlePortalCode, "Requester: send a one-time code to the e-mail address on file", ""},
	{"POST", "/portal/v1/download", (*Server).handlePortalDownload, "Requester: download the packet with the link's token and a one-time code", ""},

	{"GET", "/api/v1/ledger/verify", (*Server).handleLedgerVerify, "Walk the ledger's hash chain", auth.PermLedger},
	// The ledger as FHIR AuditEvents (IHE BALP) for the security team; reading them is recorded as a view.
	{"GET", "/api/v1/fhir/metadata", (*Server).handleFHIRMetadata, "The FHIR interface's CapabilityStatement: what a FHIR client may ask of it", ""},
	{"GET", "/api/v1/fhir/AuditEvent", (*Server).handleAuditEvents, "The ledger as FHIR AuditEvents (IHE BALP): a searchset Bundle by patient, date and agent, in pages", auth.PermLedger},
	{"GET", "/api/v1/fhir/AuditEvent/{id}", (*Server).handleAuditEvent, "One AuditEvent; its id is the ledger entry's number", auth.PermLedger},
	{"POST", "/api/v1/requests/{id}/review", (*Server).handleReview, "Second pair of eyes: approve or send back the latest decision", auth.PermReview},
	{"GET", "/api/v1/metrics", (*Server).handleMetrics, "Metrics from the ledger: volume, turnaround, on time, overdue, denials and pending by reason", auth.PermMetrics},

	// Sign-in for API clients: a session token to send as Authorization: Bearer.
	{"POST", "/api/v1/session", (*Server).handleAPILogin, "Sign in: user name and password give a pending token", ""},
	{"POST", "/api/v1/session/code", (*Server).handleAPICode, "Second factor: the pending token and an authenticator code give a session token", ""},
	{"POST", "/api/v1/session/logout", (*Server).handleAPILogout, "End the session", ""},

	// The staff workbench (HTML).
	{"GET", "/static/", (*Server).handleStatic, "Stylesheet and vendored htmx", ""},
	{"GET", "/login", (*Server).handleLoginPage, "Staff sign-in", ""},
	{"POST", "/login", (*Server).handleLogin, "Staff sign-in: password step", ""},
	{"GET", "/login/code", (*Server).handleCodePage, "Staff sign-in: code step", ""},
	{"POST", "/login/code", (*Server).handleCode, "Staff sign-in: code step", ""},
	{"POST", "/logout", (*Server).handleLogout, "Sign out", ""},
	{"GET", "/login/oidc", (*Server).handleOIDCStart, "Staff single sign-on: to the OpenID Connect provider", ""},
	{"GET", "/login/oidc/callback", (*Server).handleOIDCCallback, "Staff single sign-on: back from the provider with a code", ""},
	{"GET", "/{$}", (*Server).handleQueuePage, "The queue", auth.PermViewQueue},
	{"GET", "/escalations", (*Server).handleEscalationsPage, "Escalations for the privacy officer", auth.PermResolveEscalation},
	{"POST", "/search", (*Server).handleSearch, "Search by request number or patient (terms in the body, never the URL)", auth.PermViewRequest},
	{"GET", "/requests/new", (*Server).handleIntakePage, "New request: the staff intake for mail, fax, phone and walk-in requests", auth.PermIntake},
	{"POST", "/requests/new", (*Server).handleIntakeSubmit, "New request: find the patient, or record the request with its scans", auth.PermIntake},
	{"GET", "/requesters", (*Server).handleDirectoryPage, "The directory of known requesters", auth.PermIntake},
	{"POST", "/requesters", (*Server).handleDirectorySave, "Add or change a known requester", auth.PermIntake},
	{"GET", "/requests/{id}", (*Server).handleRequestPage, "The request page", auth.PermViewRequest},
	{"POST", "/requests/{id}/documents", (*Server).handlePageUpload, "Add a scan to a request, saying what it is", auth.PermEvidence},
	{"GET", "/requests/{id}/access", (*Server).handleAccessLogPage, "The request's access log", auth.PermAccounting},
	{"GET", "/patients/{id}", (*Server).handlePatientPage, "The patient page: requests, disclosure history, the accounting for those allowed it", auth.PermViewRequest},
	{"GET", "/patients/{id}/accounting.csv", (*Server).handleAccountingCSV, "The accounting of disclosures as CSV, from a link", auth.PermAccounting},
	{"POST", "/patients/{id}/label-proposals/{proposal}", (*Server).handlePageLabelProposal, "Approve (not the proposer) or reject a proposed label removal", auth.PermLabel},
	{"POST", "/patients/{id}/accounting/suspensions", (*Server).handlePageSuspend, "Record a suspension of the accounting on an agency's statement", auth.PermResolveEscalation},
	{"GET", "/requests/{id}/deliveries/{delivery}", (*Server).handleDeliveryPage, "A delivery: what to print, mail or fax, and how it went", auth.PermViewRequest},
	{"POST", "/requests/{id}/deliveries/{delivery}", (*Server).handleDeliveryComplete, "Record a mailing, a fax or a pickup", auth.PermCompleteDelivery},
	{"POST", "/requests/{id}/deliveries/{delivery}/retry", (*Server).handlePageRetryDelivery, "Retry a failed delivery", auth.PermRelease},
	{"POST", "/requests/{id}/deliveries/{delivery}/reroute", (*Server).handlePageRerouteDelivery, "Re-route a failed delivery's packet", auth.PermRelease},
	{"POST", "/requests/{id}/portal-code", (*Server).handlePageIssueCode, "Issue a download code to read to the requester (shown once)", auth.PermCompleteDelivery},
	{"GET", "/requests/{id}/evidence/new", (*Server).handleEvidenceFormPage, "An evidence form (?type=, or ?correct= an entry), the scan beside it", auth.PermEvidence},
	{"POST", "/requests/{id}/evidence", (*Server).handlePageEvidence, "Record evidence from its form, or a correction of an entry", auth.PermEvidence},
	{"POST", "/requests/{id}/evidence/{ev}/withdraw", (*Server).handlePageWithdrawEvidence, "Withdraw an evidence entry, with the reason", auth.PermEvidence},
	{"GET", "/requests/{id}/documents/{doc}", (*Server).handleDocumentInline, "An uploaded document shown inline beside a form", auth.PermViewRequest},
	{"POST", "/requests/{id}/evaluate", (*Server).handlePageEvaluate, "Run the engine", auth.PermEvaluate},
	{"POST", "/requests/{id}/decide", (*Server).handlePageDecide, "Decide", auth.PermDecide},
	{"POST", "/requests/{id}/review", (*Server).handlePageReview, "Second pair of eyes", auth.PermReview},
	{"POST", "/requests/{id}/resolve", (*Server).handlePageResolve, "Resolve an escalation", auth.PermResolveEscalation},
	{"POST", "/requests/{id}/info-blocking/reason", (*Server).handlePageIBReason, "The privacy officer's reason for what rests on no Part 171 exception", auth.PermResolveEscalation},
	{"POST", "/requests/{id}/info-blocking/delay", (*Server).handlePageIBDelay, "Why a request ready to release waits (Part 171 exception)", auth.PermDecide},
	{"GET", "/info-blocking", (*Server).handleRisksPage, "Requests at information-blocking risk", auth.PermViewQueue},
	{"POST", "/requests/{id}/release", (*Server).handlePageRelease, "Release", auth.PermRelease},
	{"POST", "/requests/{id}/assign", (*Server).handlePageAssign, "Assign", auth.PermIntake},
	{"GET", "/metrics", (*Server).handleMetricsPage, "Metrics", auth.PermMetrics},
	{"GET", "/submissions", (*Server).handleSubmissionsPage, "Portal submissions waiting for a clerk", auth.PermIntake},
	{"GET", "/submissions/{id}", (*Server).handleSubmissionPage, "A portal submission", auth.PermIntake},
	{"GET", "/submissions/{id}/documents/{doc}", (*Server).handleSubmissionDocument, "A submission's uploaded document", auth.PermIntake},
	{"POST", "/submissions/{id}/accept", (*Server).handleSubmissionAccept, "Accept a submission as a request for a patient", auth.PermIntake},
	{"POST", "/submissions/{id}/confirm", (*Server).handleSubmissionConfirm, "Confirm a submission's e-mail address by telephone or in person", auth.PermIntake},
	{"POST", "/submissions/{id}/reject", (*Server).handleSubmissionReject, "Reject a submission with a reason", auth.PermIntake},

	// The requester portal (HTML; no staff session).
	{"GET", "/portal", (*Server).handlePortalHome, "Requester: ask for records", ""},
	{"POST", "/portal/submit", (*Server).handlePortalSubmit, "Requester: send the request", ""},
	{"GET", "/portal/status", (*Server).handlePortalStatusPage, "Requester: the private status link (token after '#')", ""},
	{"POST", "/portal/status", (*Server).handlePortalStatus, "Requester: where the request stands", ""},
	{"POST", "/portal/verify", (*Server).handlePortalVerify, "Requester: confirm the e-mail address with the code", ""},
	{"POST", "/portal/resend", (*Server).handlePortalResend, "Requester: send a new e-mail code", ""},
	{"POST", "/portal/upload", (*Server).handlePortalUpload, "Requester: upload an ID image or an authorization", ""},
}
