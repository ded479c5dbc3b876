package roi

// The bodies of the entries nothing in the desk reads back today: the
// accounts' entries, the deliveries the desk carries out itself, the FHIR
// export, the reminders, intake, chart imports and label corrections. They
// were maps until issue #12; the types keep the very JSON keys the maps
// wrote (an entry already in the ledger reads into them unchanged, which
// events_bodies_test.go checks against hand-written samples of the old
// shapes), and they name ids, codes, counts and times only.

// Accounts and sessions. A session is named by the first 12 hex digits of
// its token's hash, never the token; client is the caller's address.

// UserAddedBody is an EventUserAdded's body.
type UserAddedBody struct {
	Username string `json:"username"`
	Role     string `json:"role"`
}

// UserDisabledBody is an EventUserDisabled's body.
type UserDisabledBody struct {
	Username string `json:"username"`
}

// LoginBody is an EventLogin's body: a session was opened. Method is
// "oidc" for a single sign-on at an identity provider (empty: a local
// password); MFA says who checked the second factor of such a sign-in:
// "provider" (it asserted one, in amr or acr) or "totp" (the desk's code).
type LoginBody struct {
	Client  string `json:"client"`
	Session string `json:"session"`
	Method  string `json:"method,omitempty"`
	MFA     string `json:"mfa,omitempty"`
}

// UserRoleChangedBody is an EventUserRoleChanged's body: the account's
// role before and after, and what set it ("oidc": the groups its
// identity provider asserted at a sign-in).
type UserRoleChangedBody struct {
	Username string `json:"username"`
	From     string `json:"from"`
	To       string `json:"to"`
	Source   string `json:"source"`
}

// IdentityLinkedBody is an EventIdentityLinked's body: the account and the
// provider (its issuer URL) it is now signed in to through. The subject,
// the provider's identifier for the person, is in the identities table.
type IdentityLinkedBody struct {
	Username string `json:"username"`
	Issuer   string `json:"issuer"`
}

// LogoutBody is an EventLogout's body.
type LogoutBody struct {
	Session string `json:"session"`
}

// LoginFailedBody is an EventLoginFailed's body: why the step failed
// ("password", "code", "code reused", "locked", "disabled", …), never what
// was typed, and whether the client has now reached its own limit (the key
// is written only then).
type LoginFailedBody struct {
	Reason        string `json:"reason"`
	Client        string `json:"client"`
	ClientLimited bool   `json:"client_limited,omitempty"`
}

// AccountLockedBody is an EventAccountLocked's body: until when (in the
// ledger's time format), after how many failures, and the client of the
// last one.
type AccountLockedBody struct {
	Until    string `json:"until"`
	Failures int    `json:"failures"`
	Client   string `json:"client"`
}

// Deliveries. EventDelivery has three shapes, one per way a delivery
// ends: DeliveryBody when staff record a mail, fax or pickup delivery
// (receipt.go), DeliverySentBody when the desk sent the packet itself
// (e-mail notice, SFTP), DeliveryDownloadedBody when the requester first
// downloaded it from the portal. The receipt tells them apart.

// DeliverySentBody is the EventDelivery body of a delivery the desk's
// delivery worker carried out: which attempt succeeded and what the far
// end answered.
type DeliverySentBody struct {
	DeliveryID int64        `json:"delivery_id"`
	Packet     int64        `json:"packet"`
	Channel    Delivery     `json:"channel"`
	Attempt    int          `json:"attempt"`
	Receipt    *SentReceipt `json:"receipt"`
}

// SentReceipt is what a sending channel reports (package send's Receipt,
// field for field, so one converts to the other). Its keys are the Go
// field names because the first entries were written from a struct without
// JSON tags; they stay so that old and new entries read alike.
type SentReceipt struct {
	Channel        string `json:"Channel"`        // "email" or "sftp"
	Remote         string `json:"Remote"`         // host:port reached
	ID             string `json:"ID"`             // e-mail Message-ID, or the remote path
	Bytes          int64  `json:"Bytes"`          // size as transmitted
	SHA256         string `json:"SHA256"`         // over the same bytes
	AlreadyPresent bool   `json:"AlreadyPresent"` // SFTP: the identical file was already there
	Detail         string `json:"Detail"`         // the server's reply, or what was done
}

// DeliveryDownloadedBody is the EventDelivery body of a portal delivery,
// complete at the requester's first download.
type DeliveryDownloadedBody struct {
	DeliveryID int64           `json:"delivery_id"`
	Packet     int64           `json:"packet"`
	Channel    Delivery        `json:"channel"`
	Receipt    DownloadReceipt `json:"receipt"`
}

// DownloadReceipt is the receipt of a portal delivery, kept with the
// delivery and in its ledger entry: the packet was downloaded, and the
// SHA-256 of the file as served.
type DownloadReceipt struct {
	Channel    Delivery `json:"channel"`
	Downloaded bool     `json:"downloaded"`
	SHA256     string   `json:"sha256"`
}

// ExportBody is an EventExport's body: how many resources the FHIR export
// carried, from which decision, and when (the ledger's time format).
type ExportBody struct {
	Resources  int    `json:"resources"`
	DecisionID int64  `json:"decision_id"`
	At         string `json:"at"`
}

// ReminderBody is an EventReminder's body: the day of the reminder, the
// request's due date, the days left (negative when overdue) and who holds
// it.
type ReminderBody struct {
	Day      Date   `json:"day"`
	Due      Date   `json:"due"`
	DaysLeft int    `json:"days_left"`
	Overdue  bool   `json:"overdue"`
	Assignee string `json:"assignee"`
}

// IntakeBody is an EventIntake's body: the request as taken, without the
// requester's name or contact. PossibleDuplicateOf and Channel are written
// only when known. The metrics read RequesterKind and Received.
type IntakeBody struct {
	Type                RequestType `json:"type"`
	Basis               Basis       `json:"basis"`
	RequesterKind       Kind        `json:"requester_kind"`
	Delivery            Delivery    `json:"delivery"`
	Due                 Date        `json:"due"`
	Received            Date        `json:"received"`
	Language            Language    `json:"language"`
	PossibleDuplicateOf RequestID   `json:"possible_duplicate_of,omitempty"`
	Channel             string      `json:"channel,omitempty"`
}

// ImportBody is an EventImport's body: the chart's size after the import.
type ImportBody struct {
	Items     int `json:"items"`
	NewItems  int `json:"new_items"`
	Resources int `json:"resources"`
}

// LabelBody is an EventLabel's body: a person added or removed a label on
// one chart item, and why.
type LabelBody struct {
	Item   string `json:"item"`
	Label  string `json:"label"`
	Action string `json:"action"`
	Reason string `json:"reason"`
}
