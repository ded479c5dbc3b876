package web

import "net/http"

// route is one endpoint: every route of the server is listed in routes, in
// one place, and each must appear in the OpenAPI document (a test checks).
type route struct {
	method, pattern string
	handler         func(s *Server) http.Handler
	summary         string
}

var routes = []route{
	{"GET", "/healthz", (*Server).handleHealth, "Liveness"},
	{"GET", "/api/v1/openapi.json", (*Server).handleOpenAPI, "This API's OpenAPI 3.1 document"},

	{"POST", "/api/v1/requests", (*Server).handleIntake, "Record a new request (intake)"},
	{"GET", "/api/v1/requests", (*Server).handleQueue, "The queue, soonest due first, with filters"},
	{"GET", "/api/v1/requests/{id}", (*Server).handleRequestShow, "A request with its evidence, decisions and history"},
	{"POST", "/api/v1/requests/{id}/evidence", (*Server).handleEvidence, "Attach evidence"},
	{"POST", "/api/v1/requests/{id}/documents", (*Server).handleUpload, "Upload a document (PDF or image)"},
	{"GET", "/api/v1/requests/{id}/documents/{doc}", (*Server).handleDocument, "Download an uploaded document"},
	{"POST", "/api/v1/requests/{id}/evaluate", (*Server).handleEvaluate, "Run the decision engine on the request as it stands"},
	{"POST", "/api/v1/requests/{id}/decide", (*Server).handleDecide, "Decide: approve, partial, deny, pending or escalate"},
	{"POST", "/api/v1/requests/{id}/resolve", (*Server).handleResolve, "Resolve an escalation"},
	{"POST", "/api/v1/requests/{id}/extend", (*Server).handleExtend, "Extend the deadline once"},
	{"POST", "/api/v1/requests/{id}/release", (*Server).handleRelease, "Release: build the encrypted packet, record the disclosure, queue the delivery"},
	{"GET", "/api/v1/requests/{id}/packets", (*Server).handlePackets, "The request's release packets and their manifests"},
	{"GET", "/api/v1/requests/{id}/packets/{packet}", (*Server).handlePacketFile, "Download a release packet (encrypted PDF), e.g. to print for mail"},
	{"GET", "/api/v1/requests/{id}/deliveries", (*Server).handleDeliveries, "The request's deliveries and their receipts"},
	{"POST", "/api/v1/deliveries/{id}/complete", (*Server).handleCompleteDelivery, "Record a mail or fax tracking number, or a pickup"},
	{"POST", "/api/v1/requests/{id}/portal-code", (*Server).handleIssueCode, "Issue a one-time download code to read to the requester"},
	{"GET", "/api/v1/requests/{id}/letters/{kind}", (*Server).handleLetter, "A letter from the stored decision (PDF, or text with Accept: text/plain)"},
	{"GET", "/api/v1/requests/{id}/fee", (*Server).handleFee, "The fee for the request, line by line with citations"},
	{"POST", "/api/v1/requests/{id}/assign", (*Server).handleAssign, "Assign to a staff member"},
	{"POST", "/api/v1/requests/{id}/cancel", (*Server).handleCancel, "Cancel"},
	{"POST", "/api/v1/requests/{id}/close", (*Server).handleClose, "Close a finished request"},
	{"GET", "/api/v1/requests/{id}/export", (*Server).handleExport, "What the decision releases, as a FHIR Bundle with security labels and Provenance"},
	{"GET", "/api/v1/reminders", (*Server).handleReminders, "Open requests due soon or overdue"},

	{"GET", "/api/v1/patients", (*Server).handlePatients, "Patients"},
	{"GET", "/api/v1/patients/{id}/chart", (*Server).handleChart, "A patient's chart items and their labels"},
	{"POST", "/api/v1/patients/{id}/labels", (*Server).handleLabel, "Add or remove a chart item's label, with the reason"},
	{"GET", "/api/v1/patients/{id}/accounting", (*Server).handleAccounting, "Accounting of disclosures (JSON, or CSV with Accept: text/csv)"},
	{"GET", "/api/v1/patients/{id}/accounting/letter", (*Server).handleAccountingLetter, "Accounting of disclosures as the report sent to the patient (PDF or text)"},

	{"GET", "/portal/download", (*Server).handlePortalPage, "Requester: the download page a delivery link opens"},
	{"GET", "/portal/download.js", (*Server).handlePortalScript, "Requester: the download page's script"},
	{"POST", "/portal/v1/code", (*Server).handlePortalCode, "Requester: send a one-time code to the e-mail address on file"},
	{"POST", "/portal/v1/download", (*Server).handlePortalDownload, "Requester: download the packet with the link's token and a one-time code"},

	{"GET", "/api/v1/ledger/verify", (*Server).handleLedgerVerify, "Walk the ledger's hash chain"},
}
