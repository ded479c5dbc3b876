package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/custodian-roi/custodian/internal/send"
	"github.com/custodian-roi/custodian/internal/send/sendtest"
	"github.com/custodian-roi/custodian/internal/workflow"
)

// TestOpenAPIMatchesRoutes: every API route (JSON under /api/, the
// requester's download endpoints under /portal/, /healthz) is in the
// OpenAPI document with its method, and the document lists no route the
// server lacks. The staff pages are HTML, not API, and are not in it.
func apiRoute(pattern string) bool {
	return strings.HasPrefix(pattern, "/api/") || strings.HasPrefix(pattern, "/portal/download") ||
		strings.HasPrefix(pattern, "/portal/v1/") || pattern == "/healthz" ||
		strings.HasPrefix(pattern, "/login/oidc") // single sign-on: what an identity team registers
}

func TestOpenAPIMatchesRoutes(t *testing.T) {
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(openAPI, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi %q, want 3.1.0", doc.OpenAPI)
	}
	seen := map[string]bool{}
	for _, rt := range routes {
		if !apiRoute(rt.pattern) {
			continue
		}
		ops, ok := doc.Paths[rt.pattern]
		if !ok {
			t.Errorf("route %s %s is not in openapi.json", rt.method, rt.pattern)
			continue
		}
		if _, ok := ops[strings.ToLower(rt.method)]; !ok {
			t.Errorf("route %s %s: openapi.json lacks the method", rt.method, rt.pattern)
		}
		seen[strings.ToLower(rt.method)+" "+rt.pattern] = true
	}
	for path, ops := range doc.Paths {
		for m := range ops {
			if !seen[m+" "+path] {
				t.Errorf("openapi.json documents %s %s, which the server does not serve", m, path)
			}
		}
	}
}

// api is a server for the API tests: newWebEnv's with the API tests'
// patient, the fixed clock, an SFTP destination "harper-vance" on a real
// SFTP server, and ActorHeader trusted in place of sign-in.
type api struct {
	t *testing.T
	*webEnv
}

const patientName = "Zebediah Quillfeather"

func newAPI(t *testing.T) *api {
	t.Helper()
	e := newWebEnv(t, webSetup{Patient: true, FixedClock: true, Desk: func(d *workflow.Desk) {
		sftp := sendtest.StartSFTP(t)
		d.SFTP = map[string]workflow.Pusher{"harper-vance": &send.SFTP{Addr: sftp.Addr, User: sftp.User, Password: sftp.Password, HostKey: sftp.HostKey}}
	}})
	return &api{t: t, webEnv: e}
}

// do sends a request and decodes the JSON answer.
func (a *api) do(method, path, body string, headers ...string) (int, map[string]any) {
	a.t.Helper()
	req, _ := http.NewRequest(method, a.srv.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(ActorHeader, "clerk.ana")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.Header.Get("Cache-Control") != "no-store" {
		a.t.Errorf("%s %s: Cache-Control %q", method, path, resp.Header.Get("Cache-Control"))
	}
	var out map[string]any
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(data, &out); err != nil {
			a.t.Fatalf("%s %s: %v: %s", method, path, err, data)
		}
	} else {
		out = map[string]any{"raw": string(data)}
	}
	return resp.StatusCode, out
}

func (a *api) want(status int, method, path, body string, headers ...string) map[string]any {
	a.t.Helper()
	got, out := a.do(method, path, body, headers...)
	if got != status {
		a.t.Fatalf("%s %s: status %d, want %d: %v", method, path, got, status, out)
	}
	return out
}

func version(out map[string]any) int {
	return int(out["request"].(map[string]any)["version"].(float64))
}

func errCode(out map[string]any) string {
	e, _ := out["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}

func TestAPIJourney(t *testing.T) {
	a := newAPI(t)
	out := a.want(201, "POST", "/api/v1/requests", `{"patient":"MRN-77","received":"2026-03-02",
		"requester":{"kind":"attorney","name":"Harper & Vance LLP"},"basis":"subpoena","contact":"harper-vance","delivery":"sftp"}`)
	req := out["request"].(map[string]any)
	id := int(req["id"].(float64))
	base := "/api/v1/requests/" + strconv.Itoa(id)
	if req["status"] != "received" || req["number"] != "R-2026-000001" || req["due"] != nil {
		t.Fatalf("intake: %v", req)
	}
	v := version(out)
	out = a.want(200, "POST", base+"/evidence", `{"version":`+strconv.Itoa(v)+`,"evidence":{"type":"identity","verified":true,"method":"bar number"}}`)
	v = version(out)
	out = a.want(200, "POST", base+"/evidence", `{"version":`+strconv.Itoa(v)+`,"evidence":{"type":"subpoena","issued_by":"attorney","assurances":"protective-order","covers":{"labels":["general","psychotherapy-note"]}}}`)
	v = version(out)

	// Upload the subpoena itself.
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("version", strconv.Itoa(v))
	fw, _ := mw.CreateFormFile("file", patientName+" subpoena.pdf")
	fw.Write([]byte("%PDF-1.7\nsubpoena"))
	mw.Close()
	resp, err := http.Post(a.srv.URL+base+"/documents", mw.FormDataContentType(), &buf)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("upload without an actor: %d, want 401", resp.StatusCode)
	}
	buf.Reset()
	mw = multipart.NewWriter(&buf)
	mw.WriteField("version", strconv.Itoa(v))
	fw, _ = mw.CreateFormFile("file", patientName+" subpoena.pdf")
	fw.Write([]byte("%PDF-1.7\nsubpoena"))
	mw.Close()
	hreq, _ := http.NewRequest("POST", a.srv.URL+base+"/documents", &buf)
	hreq.Header.Set("Content-Type", mw.FormDataContentType())
	hreq.Header.Set(ActorHeader, "clerk.ana")
	resp, err = http.DefaultClient.Do(hreq)
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("upload: %v %d", err, resp.StatusCode)
	}
	var up map[string]any
	json.NewDecoder(resp.Body).Decode(&up)
	resp.Body.Close()
	v = version(up)
	docID := int(up["document"].(map[string]any)["id"].(float64))
	dl := a.want(200, "GET", base+"/documents/"+strconv.Itoa(docID), "")
	if dl["raw"] != "%PDF-1.7\nsubpoena" {
		t.Errorf("download %v", dl)
	}

	out = a.want(200, "POST", base+"/evaluate", `{"version":`+strconv.Itoa(v)+`}`)
	dec := out["decision"].(map[string]any)
	if dec["outcome"] != "partial" || dec["withhold"].(map[string]any)["DocumentReference/pn"] != "psychotherapy-note-authorization-required" {
		t.Fatalf("decision %v", dec)
	}
	v = version(out)
	// A stale version is refused with 409 and changes nothing.
	_, stale := a.do("POST", base+"/decide", `{"version":`+strconv.Itoa(v-1)+`,"action":"partial"}`)
	if errCode(stale) != "conflict" {
		t.Errorf("stale decide: %v", stale)
	}
	out = a.want(200, "POST", base+"/decide", `{"version":`+strconv.Itoa(v)+`,"action":"partial"}`)
	v = version(out)
	// The one who decided cannot also be the second pair of eyes.
	_, own := a.do("POST", base+"/review", `{"version":`+strconv.Itoa(v)+`,"approve":true}`)
	if errCode(own) != "forbidden" {
		t.Errorf("the decider reviewed their own decision: %v", own)
	}
	_, early := a.do("POST", base+"/release", `{"version":`+strconv.Itoa(v)+`}`)
	if errCode(early) != "conflict" {
		t.Errorf("released before review: %v", early)
	}
	out = a.want(200, "POST", base+"/review", `{"version":`+strconv.Itoa(v)+`,"approve":true}`, ActorHeader, "qa.lee")
	v = version(out)
	// Release twice with one Idempotency-Key: one disclosure.
	body := `{"version":` + strconv.Itoa(v) + `}`
	first := a.want(200, "POST", base+"/release", body, "Idempotency-Key", "rel-1")
	again := a.want(200, "POST", base+"/release", body, "Idempotency-Key", "rel-1")
	if first["request"].(map[string]any)["status"] != "partially_released" || again["request"].(map[string]any)["version"] != first["request"].(map[string]any)["version"] {
		t.Errorf("release %v / replay %v", first["request"], again["request"])
	}
	_, reused := a.do("POST", base+"/cancel", `{"version":1,"reason":"x"}`, "Idempotency-Key", "rel-1")
	if errCode(reused) != "conflict" {
		t.Errorf("key reused for another request: %v", reused)
	}
	// The password is shown once: the replay does not repeat it.
	if pw, _ := first["password"].(string); len(pw) < 16 {
		t.Errorf("release shows no password: %v", first["password"])
	}
	if _, ok := again["password"]; ok {
		t.Error("the idempotent replay repeats the password")
	}
	if strings.Contains(a.logs.String(), first["password"].(string)) {
		t.Error("the log holds the packet password")
	}
	// The delivery worker pushes the packet over SFTP; the receipt is in
	// the deliveries and the ledger.
	if worked, err := a.desk.Deliver(context.Background(), "test"); !worked || err != nil {
		t.Fatalf("deliver: %v %v", worked, err)
	}
	dels := a.want(200, "GET", base+"/deliveries", "")["deliveries"].([]any)
	if len(dels) != 1 || dels[0].(map[string]any)["state"] != "done" || dels[0].(map[string]any)["receipt"] == nil {
		t.Errorf("deliveries %v", dels)
	}
	pks := a.want(200, "GET", base+"/packets", "")["packets"].([]any)
	if len(pks) != 1 {
		t.Fatalf("packets %v", pks)
	}
	pk := pks[0].(map[string]any)
	file := a.want(200, "GET", base+"/packets/"+strconv.Itoa(int(pk["id"].(float64))), "")
	if sum := sha256.Sum256([]byte(file["raw"].(string))); hex.EncodeToString(sum[:]) != pk["sha256"] {
		t.Error("the packet download is not the packet the manifest names")
	}
	cover := a.want(200, "GET", base+"/letters/cover", "", "Accept", "text/plain")
	if !strings.Contains(cover["raw"].(string), "R-2026-000001") {
		t.Errorf("cover letter %v", cover["raw"])
	}
	if pdf := a.want(200, "GET", base+"/letters/partial-denial", ""); !strings.HasPrefix(pdf["raw"].(string), "%PDF") {
		t.Error("the partial denial is not a PDF")
	}
	_, badKind := a.do("GET", base+"/letters/love-letter", "")
	if errCode(badKind) != "invalid" {
		t.Errorf("unknown letter kind: %v", badKind)
	}
	quote := a.want(200, "GET", base+"/fee?format=paper&pages=40", "")
	if quote["total"] == nil || len(quote["lines"].([]any)) == 0 {
		t.Errorf("fee quote %v", quote)
	}
	_, badFee := a.do("GET", base+"/fee?pages=-3", "")
	if errCode(badFee) != "invalid" {
		t.Errorf("negative pages: %v", badFee)
	}
	dis := first["disclosure"].(map[string]any)
	if items := dis["items"].([]any); len(items) != 1 || items[0] != "Encounter/1" || dis["accountable"] != true {
		t.Errorf("disclosure %v", dis)
	}

	show := a.want(200, "GET", base, "")
	var kinds []string
	for _, h := range show["history"].([]any) {
		kinds = append(kinds, h.(map[string]any)["kind"].(string))
	}
	if strings.Count(strings.Join(kinds, ","), "disclosure") != 1 {
		t.Errorf("history %v: want exactly one disclosure", kinds)
	}
	acc := a.want(200, "GET", "/api/v1/patients/"+strconv.Itoa(int(a.pid))+"/accounting", "")
	rows := acc["disclosures"].([]any)
	if len(rows) != 1 || rows[0].(map[string]any)["recipient"] != "Harper & Vance LLP" {
		t.Errorf("accounting %v", acc)
	}
	csv := a.want(200, "GET", "/api/v1/patients/"+strconv.Itoa(int(a.pid))+"/accounting", "", "Accept", "text/csv")
	if !strings.HasPrefix(csv["raw"].(string), "date,recipient,address,description,purpose") || !strings.Contains(csv["raw"].(string), "Harper & Vance LLP") {
		t.Errorf("csv %v", csv)
	}
	ver := a.want(200, "GET", "/api/v1/ledger/verify", "")
	if ver["ok"] != true || ver["entries"].(float64) < 10 {
		t.Errorf("verify %v", ver)
	}
	q := a.want(200, "GET", "/api/v1/requests?status=partially_released", "")
	if len(q["requests"].([]any)) != 1 {
		t.Errorf("queue %v", q)
	}

	// PHI hygiene: the patient's name was in a file name, the chart and the
	// accounting; it must not be in the log. Neither may the requester's.
	for _, phi := range []string{patientName, "Quillfeather", "Harper", "MRN-77"} {
		if strings.Contains(a.logs.String(), phi) {
			t.Errorf("the log contains %q", phi)
		}
	}
	if !strings.Contains(a.logs.String(), `"route":"POST /api/v1/requests/{id}/release"`) {
		t.Errorf("the log lacks route patterns:\n%s", a.logs.String())
	}
}

func TestAPIErrors(t *testing.T) {
	a := newAPI(t)
	for _, tc := range []struct {
		name, method, path, body string
		status                   int
		code                     string
	}{
		{"malformed JSON", "POST", "/api/v1/requests", `{"patient_id":`, 400, "invalid"},
		{"unknown member", "POST", "/api/v1/requests", `{"patient_id":1,"colour":"red"}`, 400, "invalid"},
		{"impossible date", "POST", "/api/v1/requests", `{"patient_id":1,"received":"2026-02-30"}`, 400, "invalid"},
		{"unknown basis", "POST", "/api/v1/requests", `{"patient_id":1,"received":"2026-03-01","requester":{"kind":"patient","name":"P"},"basis":"curiosity","delivery":"portal","contact":"x"}`, 400, "invalid"},
		{"unknown patient ref", "POST", "/api/v1/requests", `{"patient":"nobody","received":"2026-03-01"}`, 404, "not_found"},
		{"no such request", "GET", "/api/v1/requests/999", "", 404, "not_found"},
		{"bad id", "GET", "/api/v1/requests/abc", "", 404, "not_found"},
		{"missing version", "POST", "/api/v1/requests/1/evaluate", `{}`, 400, "invalid"},
		{"bad status filter", "GET", "/api/v1/requests?status=lost", "", 400, "invalid"},
		{"bad evidence", "POST", "/api/v1/requests/1/evidence", `{"version":1,"evidence":{"type":"fingerprint"}}`, 404, "not_found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, out := a.do(tc.method, tc.path, tc.body)
			if status != tc.status || errCode(out) != tc.code {
				t.Errorf("%d %v, want %d %s", status, out, tc.status, tc.code)
			}
			msg, _ := out["error"].(map[string]any)["message"].(string)
			if msg == "" || strings.Contains(msg, patientName) {
				t.Errorf("message %q", msg)
			}
		})
	}
	// Without an actor, nothing that reads PHI answers.
	req, _ := http.NewRequest("GET", a.srv.URL+"/api/v1/patients", nil)
	resp, _ := http.DefaultClient.Do(req)
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("patients without actor: %d", resp.StatusCode)
	}
}
