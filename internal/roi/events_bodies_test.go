package roi

import (
	"bytes"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// bodySample is one stored shape of a kind's body, written by hand from
// the keys the code wrote (for the nine bodies typed in issue #12, the
// keys of the maps they replaced), and the type that must read it.
type bodySample struct {
	kind EventKind
	json string
	body func() any
}

func ptr[T any]() func() any { return func() any { return new(T) } }

var bodySamples = []bodySample{
	// The request's own entries.
	{EventIntake, `{"type":"access","basis":"access","requester_kind":"patient","delivery":"portal","due":"2026-02-01","received":"2026-01-02","language":"en"}`, ptr[IntakeBody]()},
	{EventIntake, `{"type":"third-party","basis":"authorization","requester_kind":"attorney","delivery":"mail","due":null,"received":"2026-01-02","language":"","possible_duplicate_of":7,"channel":"fax"}`, ptr[IntakeBody]()},
	{EventTransition, `{"from":"received","to":"verifying","why":"evidence added"}`, ptr[TransitionBody]()},
	{EventAssignment, `{"assignee":""}`, ptr[AssignmentBody]()},
	{EventEvidence, `{"evidence_id":3,"type":"authorization"}`, ptr[EvidenceBody]()},
	{EventVerification, `{"evidence_id":2,"type":"identity"}`, ptr[EvidenceBody]()},
	{EventEvidenceWithdrawn, `{"evidence_id":3,"type":"authorization","reason":"wrong request"}`, ptr[EvidenceWithdrawalBody]()},
	{EventEvidenceCorrected, `{"evidence_id":3,"type":"authorization","superseded_by":4,"reason":"expiry date"}`, ptr[EvidenceWithdrawalBody]()},
	{EventDocument, `{"document_id":1,"kind":"authorization","sha256":"ab12","content_type":"application/pdf","size":0}`, ptr[DocumentBody]()},
	{EventEvaluation, `{"decision_id":5,"rule_set":"2026.1","outcome":"release","reasons":[],"released":12,"withheld":0}`, ptr[EvaluationBody]()},
	{EventDecision, `{"decision_id":6,"action":"approve","reasons":null,"released":12,"withheld":0,"missing":null}`, ptr[DecisionBody]()},
	{EventDenial, `{"decision_id":6,"action":"deny","reasons":["no-authority"],"released":0,"withheld":12,"missing":null}`, ptr[DecisionBody]()},
	{EventEscalation, `{"decision_id":6,"action":"escalate","reasons":[],"released":0,"withheld":0,"missing":[]}`, ptr[DecisionBody]()},
	{EventPending, `{"decision_id":6,"action":"pending","reasons":["authorization-missing"],"released":0,"withheld":0,"missing":["a signed authorization"]}`, ptr[DecisionBody]()},
	{EventReview, `{"review_id":1,"decision_id":6,"approve":false}`, ptr[ReviewBody]()},
	{EventExtension, `{"evidence_id":9,"from":"2026-02-01","to":"2026-03-02","reason":"records off site"}`, ptr[ExtensionBody]()},
	{EventReminder, `{"day":"2026-01-28","due":"2026-02-01","days_left":4,"overdue":false,"assignee":""}`, ptr[ReminderBody]()},
	{EventReminder, `{"day":"2026-02-03","due":"2026-02-01","days_left":-2,"overdue":true,"assignee":"pat"}`, ptr[ReminderBody]()},

	// Releases and deliveries.
	{EventExport, `{"resources":0,"decision_id":6,"at":"2026-01-20T10:00:00.000000Z"}`, ptr[ExportBody]()},
	{EventDeliveryQueued, `{"delivery_id":1,"packet":2,"channel":"mail","state":"waiting"}`, ptr[DeliveryQueuedBody]()},
	{EventDeliveryFailed, `{"delivery_id":1,"channel":"sftp","attempts":5}`, ptr[DeliveryFailedBody]()},
	// A delivery the worker sent (send.Receipt had no JSON tags: its keys
	// are the Go field names).
	{EventDelivery, `{"delivery_id":1,"packet":2,"channel":"sftp","attempt":1,"receipt":{"Channel":"sftp","Remote":"sftp.example:22","ID":"/in/P-1.pdf","Bytes":1024,"SHA256":"ab12","AlreadyPresent":false,"Detail":"uploaded"}}`, ptr[DeliverySentBody]()},
	// Staff completed a mail, fax or pickup delivery.
	{EventDelivery, `{"delivery_id":1,"packet":2,"channel":"mail","receipt":{"channel":"mail","carrier":"USPS","tracking":"9400 1","mailed":"2026-01-21","recorded_by":"clerk"}}`, ptr[DeliveryBody]()},
	{EventDelivery, `{"delivery_id":1,"packet":2,"channel":"fax","receipt":{"channel":"fax","pages":12,"confirmation":"OK-1","sent_at":"2026-01-21T10:00:00Z","note":"to the firm's fax","recorded_by":"clerk"}}`, ptr[DeliveryBody]()},
	{EventDelivery, `{"delivery_id":1,"packet":2,"channel":"pickup","receipt":{"channel":"pickup","picked_up_by":"the requester","id_checked":"driver's license","recorded_by":"clerk"}}`, ptr[DeliveryBody]()},
	// The requester's first download from the portal.
	{EventDelivery, `{"delivery_id":1,"packet":2,"channel":"portal","receipt":{"channel":"portal","downloaded":true,"sha256":"ab12"}}`, ptr[DeliveryDownloadedBody]()},
	{EventDownload, `{"link":1,"packet":2,"download":1}`, ptr[DownloadBody]()},
	{EventPortalCode, `{"link":1,"sent_by":"email"}`, ptr[PortalCodeBody]()},
	{EventPortalCodeFail, `{"link":1,"attempts":3}`, ptr[PortalCodeFailBody]()},

	// Charts and views.
	{EventImport, `{"items":236,"new_items":0,"resources":0}`, ptr[ImportBody]()},
	{EventLabel, `{"item":"Observation/1","label":"hiv","action":"add","reason":"result in the note"}`, ptr[LabelBody]()},
	{EventView, `{"what":"request"}`, ptr[ViewBody]()},
	{EventView, `{"what":"search","results":3}`, ptr[ViewBody]()},
	{EventView, `{"what":"submission-document","document_id":2,"submission_id":4}`, ptr[ViewBody]()},
	{EventView, `{"what":"letter","letter":"denial"}`, ptr[ViewBody]()},
	{EventView, `{"what":"packet","packet_id":3}`, ptr[ViewBody]()},

	// Portal submissions.
	{EventSubmission, `{"submission_id":1,"number":"S-2026-000001"}`, ptr[SubmissionBody]()},
	{EventSubmissionCode, `{"submission_id":1,"sent_by":"email"}`, ptr[SubmissionBody]()},
	{EventSubmissionCodeFailed, `{"submission_id":1,"attempts":2}`, ptr[SubmissionBody]()},
	{EventSubmissionEmailVerified, `{"submission_id":1}`, ptr[SubmissionBody]()},
	{EventSubmissionContactConfirmed, `{"submission_id":1,"how":"called back"}`, ptr[SubmissionBody]()},
	{EventSubmissionDocument, `{"submission_id":1,"kind":"id","sha256":"ab12","content_type":"image/png","size":2048}`, ptr[SubmissionBody]()},
	{EventSubmissionAccepted, `{"submission_id":1,"documents":2}`, ptr[SubmissionBody]()},
	{EventSubmissionRejected, `{"submission_id":1,"reason":"duplicate"}`, ptr[SubmissionBody]()},

	// Accounts and sessions.
	{EventUserAdded, `{"username":"pat","role":"clerk"}`, ptr[UserAddedBody]()},
	{EventUserDisabled, `{"username":"pat"}`, ptr[UserDisabledBody]()},
	{EventLogin, `{"client":"127.0.0.1","session":"0123456789ab"}`, ptr[LoginBody]()},
	{EventLogin, `{"client":"127.0.0.1","session":"0123456789ab","method":"oidc","mfa":"provider"}`, ptr[LoginBody]()},
	{EventUserRoleChanged, `{"username":"dana","from":"intake-clerk","to":"roi-specialist","source":"oidc"}`, ptr[UserRoleChangedBody]()},
	{EventIdentityLinked, `{"username":"dana","issuer":"https://login.example.org/"}`, ptr[IdentityLinkedBody]()},
	{EventLogout, `{"session":"0123456789ab"}`, ptr[LogoutBody]()},
	{EventLoginFailed, `{"reason":"password","client":""}`, ptr[LoginFailedBody]()},
	{EventLoginFailed, `{"reason":"code reused","client":"10.0.0.9","client_limited":true}`, ptr[LoginFailedBody]()},
	{EventAccountLocked, `{"until":"2026-01-20T10:15:00.000000Z","failures":5,"client":"10.0.0.9"}`, ptr[AccountLockedBody]()},

	{EventDirectory, `{"id":3,"kind":"attorney"}`, ptr[DirectoryBody]()},
	{EventInfoBlocking, `{"practice":"withhold","exception":"none","decision_id":6,"keys":["Observation/1"],"note":"asked the clinician"}`, ptr[InfoBlockingBody]()},
	{EventInfoBlocking, `{"practice":"delay","exception":"none"}`, ptr[InfoBlockingBody]()},
	{EventInfoBlockingReason, `{"covers":[{"decision":6,"key":"Observation/1"},{"entry":40}],"reason":"the clinician is away"}`, ptr[InfoBlockingReasonBody]()},
	{EventReadyToRelease, `{"decision_id":6}`, ptr[ReadyBody]()},
	{EventReadyToRelease, `{"decision_id":6,"review_id":2}`, ptr[ReadyBody]()},
	{EventAccountingSuspension, `{"agency":"State Board","agency_kind":"health-oversight","written":false,"statement":"an audit in progress","stated":"2026-01-02","end":"2026-02-01"}`, ptr[AccountingSuspensionBody]()},
}

// typedElsewhere are kinds whose body type lives above roi, with where.
var typedElsewhere = map[EventKind]string{
	EventDisclosure: "workflow.Disclosure (release.go), read by the accounting of disclosures",
}

// TestBodiesReadStoredShapes: every sample, written as the code wrote it,
// reads into its type with no key left over, and the type writes it back
// with the same keys and values: no key lost, none added, none renamed.
func TestBodiesReadStoredShapes(t *testing.T) {
	for _, s := range bodySamples {
		v := s.body()
		dec := json.NewDecoder(strings.NewReader(s.json))
		dec.DisallowUnknownFields()
		if err := dec.Decode(v); err != nil {
			t.Errorf("%s: %s does not read into %T: %v", s.kind, s.json, v, err)
			continue
		}
		out, err := json.Marshal(v)
		if err != nil {
			t.Errorf("%s: %T: %v", s.kind, v, err)
			continue
		}
		var want, got any
		if err := json.Unmarshal([]byte(s.json), &want); err != nil {
			t.Fatalf("%s: a bad sample: %v", s.kind, err)
		}
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(want, got) {
			t.Errorf("%s: %T writes\n%s\nnot the stored shape\n%s", s.kind, v, out, s.json)
		}
	}
}

// TestBodiesRefuseOtherShapes: a body with a key its type does not know is
// refused, so the test above could fail: a misspelt key is caught.
func TestBodiesRefuseOtherShapes(t *testing.T) {
	for _, c := range []struct {
		json string
		body any
	}{
		{`{"reason":"password","client":"","clientLimited":true}`, new(LoginFailedBody)},
		{`{"delivery_id":1,"packet":2,"channel":"sftp","attempts":1,"receipt":null}`, new(DeliverySentBody)},
		{`{"delivery_id":1,"packet":2,"channel":"portal","receipt":{"channel":"portal","downloaded":true,"sha":"ab"}}`, new(DeliveryDownloadedBody)},
		{`{"resources":1,"decision":6,"at":""}`, new(ExportBody)},
		{`{"day":"2026-01-28","due":"2026-02-01","daysLeft":4}`, new(ReminderBody)},
	} {
		dec := json.NewDecoder(strings.NewReader(c.json))
		dec.DisallowUnknownFields()
		if err := dec.Decode(c.body); err == nil {
			t.Errorf("%T read %s", c.body, c.json)
		}
	}
}

// TestEveryKindHasATypedBody: every EventKind declared in this package has
// at least one sample above (or a type named in typedElsewhere). A new
// kind without a typed body fails here.
func TestEveryKindHasATypedBody(t *testing.T) {
	kinds := declaredKinds(t)
	if len(kinds) < 40 {
		t.Fatalf("found %d event kinds; the parse of the package missed some", len(kinds))
	}
	sampled := map[EventKind]bool{}
	for _, s := range bodySamples {
		sampled[s.kind] = true
	}
	for _, k := range kinds {
		if !sampled[k] && typedElsewhere[k] == "" {
			t.Errorf("event kind %q has no typed body sample in events_bodies_test.go", k)
		}
	}
}

// declaredKinds lists the values of the package's EventKind constants.
func declaredKinds(t *testing.T) []EventKind {
	t.Helper()
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var out []EventKind
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, sp := range g.Specs {
				vs := sp.(*ast.ValueSpec)
				if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "EventKind" {
					continue
				}
				for _, v := range vs.Values {
					if lit, ok := v.(*ast.BasicLit); ok && lit.Kind == token.STRING {
						s, _ := strconv.Unquote(lit.Value)
						out = append(out, EventKind(s))
					}
				}
			}
		}
	}
	return out
}

// TestNoMapBodies: no ledger event in the product is written with a map
// for its body, directly or through a variable made from a map literal in
// the same function (the shape the nine untyped bodies had).
func TestNoMapBodies(t *testing.T) {
	root := filepath.Join("..", "..", "internal")
	var found []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if !bytes.Contains(src, []byte("Event{")) {
			return nil
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, src, 0)
		if err != nil {
			return err
		}
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Body == nil {
				continue
			}
			maps := map[string]bool{} // variables made from a map literal
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				if as, ok := n.(*ast.AssignStmt); ok {
					for i, rhs := range as.Rhs {
						if isMapLit(rhs) && i < len(as.Lhs) {
							if id, ok := as.Lhs[i].(*ast.Ident); ok {
								maps[id.Name] = true
							}
						}
					}
				}
				cl, ok := n.(*ast.CompositeLit)
				if !ok || !isEventType(cl.Type) {
					return true
				}
				for _, el := range cl.Elts {
					kv, ok := el.(*ast.KeyValueExpr)
					if !ok {
						continue
					}
					if k, ok := kv.Key.(*ast.Ident); !ok || k.Name != "Body" {
						continue
					}
					id, isIdent := kv.Value.(*ast.Ident)
					if isMapLit(kv.Value) || isIdent && maps[id.Name] {
						found = append(found, fset.Position(kv.Pos()).String())
					}
				}
				return true
			})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, at := range found {
		t.Errorf("%s: a ledger body is a map; give it a typed body in roi", at)
	}
}

func isMapLit(e ast.Expr) bool {
	cl, ok := e.(*ast.CompositeLit)
	if !ok {
		return false
	}
	_, ok = cl.Type.(*ast.MapType)
	return ok
}

// isEventType: roi.Event, or Event inside this package. The elements of a
// []roi.Event literal have no type of their own; they are checked through
// their parent below.
func isEventType(e ast.Expr) bool {
	switch x := e.(type) {
	case *ast.SelectorExpr:
		p, ok := x.X.(*ast.Ident)
		return ok && p.Name == "roi" && x.Sel.Name == "Event"
	case *ast.Ident:
		return x.Name == "Event"
	case nil:
		return true // an element of a []roi.Event literal, or &roi.Event
	}
	return false
}
