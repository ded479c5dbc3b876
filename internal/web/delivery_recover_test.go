package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/custodian-roi/custodian/internal/auth"
	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/send"
	"github.com/custodian-roi/custodian/internal/send/sendtest"
	"github.com/custodian-roi/custodian/internal/workflow"
)

// apiPost posts a JSON body as role and returns the status.
func (e *staffEnv) apiPost(role auth.Role, path, body string) int {
	e.t.Helper()
	req, _ := http.NewRequest("POST", e.srv.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+e.tokens[role])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestRecoverFailedDelivery: an SFTP delivery pinned to the wrong host key
// fails for good against the real SFTP server; its page offers retry and
// re-route only to those who may release; a clerk and an auditor are
// refused both on the API and the page; once the key is corrected the
// specialist's retry from the page delivers the same packet.
func TestRecoverFailedDelivery(t *testing.T) {
	e := newStaffEnv(t)
	srv := sendtest.StartSFTP(t)
	e.desk.SFTP = map[string]workflow.Pusher{"acme": &send.SFTP{Addr: srv.Addr, User: srv.User, Password: srv.Password, HostKey: sendtest.OtherHostKey(t)}}
	r, iss := e.release(roi.KindPatient, patientName, roi.DeliverySFTP, "acme")
	ctx := context.Background()
	if worked, err := e.desk.Deliver(ctx, "w1"); !worked || err != nil {
		t.Fatalf("deliver: %v %v", worked, err)
	}
	did := strconv.FormatInt(iss.Delivery.ID, 10)
	path := "/requests/" + strconv.FormatInt(int64(r.ID), 10) + "/deliveries/" + did

	_, body, _ := e.page(auth.RoleSpecialist, "GET", path, nil)
	if !strings.Contains(body, "Failed: not sent") || !strings.Contains(body, `id="retry-form"`) || !strings.Contains(body, `id="reroute-form"`) {
		t.Fatalf("the failed delivery's page offers no retry to a specialist:\n%s", body)
	}
	if _, body, _ := e.page(auth.RoleIntakeClerk, "GET", path, nil); strings.Contains(body, `id="retry-form"`) {
		t.Error("the page offers a retry to a clerk, who may not release")
	}
	for _, role := range []auth.Role{auth.RoleIntakeClerk, auth.RoleAuditor} {
		if got := e.apiPost(role, "/api/v1/deliveries/"+did+"/retry", `{}`); got != http.StatusForbidden {
			t.Errorf("%s retry on the API: %d, want 403", role, got)
		}
		if got := e.apiPost(role, "/api/v1/deliveries/"+did+"/reroute", `{"channel":"pickup"}`); got != http.StatusForbidden {
			t.Errorf("%s re-route on the API: %d, want 403", role, got)
		}
		if got, _, _ := e.page(role, "POST", path+"/retry", url.Values{"reason": {"x"}}); got != http.StatusForbidden {
			t.Errorf("%s retry on the page: %d, want 403", role, got)
		}
	}
	if job, _ := e.desk.Deliveries(ctx, r.ID); job[0].State != roi.DeliveryFailed {
		t.Fatalf("a refused retry changed the delivery: %+v", job[0])
	}
	// A re-route to an unconfigured destination is refused with the page.
	status, body, _ := e.page(auth.RoleSpecialist, "POST", path+"/reroute", url.Values{"channel": {"sftp"}, "target": {"elsewhere"}})
	if status != http.StatusConflict || !strings.Contains(body, `id="delivery-error"`) {
		t.Errorf("re-route to an unconfigured destination: %d", status)
	}
	// Fixed; retried from the page; delivered.
	e.desk.SFTP["acme"] = &send.SFTP{Addr: srv.Addr, User: srv.User, Password: srv.Password, HostKey: srv.HostKey}
	if status, _, h := e.page(auth.RoleSpecialist, "POST", path+"/retry", url.Values{"reason": {"host key corrected"}}); status != http.StatusSeeOther || h.Get("Location") != path {
		t.Fatalf("retry from the page: %d %q", status, h.Get("Location"))
	}
	if got := e.apiPost(auth.RoleSpecialist, "/api/v1/deliveries/"+did+"/retry", `{}`); got != http.StatusConflict {
		t.Errorf("a second retry of a queued delivery: %d, want 409", got)
	}
	if worked, err := e.desk.Deliver(ctx, "w1"); !worked || err != nil {
		t.Fatalf("deliver: %v %v", worked, err)
	}
	if jobs, _ := e.desk.Deliveries(ctx, r.ID); len(jobs) != 1 || jobs[0].State != roi.DeliveryDone {
		t.Fatalf("after the retry: %+v", jobs)
	}
}

// TestRerouteFailedDeliveryAPI: the API re-routes a failed delivery to
// pickup; the same packet now waits for staff.
func TestRerouteFailedDeliveryAPI(t *testing.T) {
	e := newStaffEnv(t)
	srv := sendtest.StartSFTP(t)
	e.desk.SFTP = map[string]workflow.Pusher{"acme": &send.SFTP{Addr: srv.Addr, User: srv.User, Password: srv.Password, HostKey: sendtest.OtherHostKey(t)}}
	r, iss := e.release(roi.KindPatient, patientName, roi.DeliverySFTP, "acme")
	ctx := context.Background()
	if worked, err := e.desk.Deliver(ctx, "w1"); !worked || err != nil {
		t.Fatalf("deliver: %v %v", worked, err)
	}
	did := strconv.FormatInt(iss.Delivery.ID, 10)
	if got := e.apiPost(auth.RoleSpecialist, "/api/v1/deliveries/"+did+"/reroute", `{"channel":"pickup","reason":"collects it"}`); got != http.StatusOK {
		t.Fatalf("re-route: %d", got)
	}
	jobs, _ := e.desk.Deliveries(ctx, r.ID)
	if len(jobs) != 2 || jobs[1].Channel != roi.DeliveryPickup || jobs[1].State != roi.DeliveryWaiting || jobs[1].Packet != iss.Packet.ID {
		t.Fatalf("after the re-route: %+v", jobs)
	}
}

// TestReroutePageToPortal: re-routed to the portal from the page, the new
// delivery's page shows the download link once; opened again, it does not.
func TestReroutePageToPortal(t *testing.T) {
	e := newStaffEnv(t)
	srv := sendtest.StartSFTP(t)
	e.desk.SFTP = map[string]workflow.Pusher{"acme": &send.SFTP{Addr: srv.Addr, User: srv.User, Password: srv.Password, HostKey: sendtest.OtherHostKey(t)}}
	r, iss := e.release(roi.KindPatient, patientName, roi.DeliverySFTP, "acme")
	if worked, err := e.desk.Deliver(context.Background(), "w1"); !worked || err != nil {
		t.Fatalf("deliver: %v %v", worked, err)
	}
	path := "/requests/" + strconv.FormatInt(int64(r.ID), 10) + "/deliveries/" + strconv.FormatInt(iss.Delivery.ID, 10)
	status, body, _ := e.page(auth.RoleSpecialist, "POST", path+"/reroute", url.Values{"channel": {"portal"}, "reason": {"will download"}})
	if status != http.StatusOK || !strings.Contains(body, `id="reroute-link"`) || !strings.Contains(body, "https://records.example.org/portal/download#") {
		t.Fatalf("portal re-route from the page: %d\n%s", status, body)
	}
	jobs, _ := e.desk.Deliveries(context.Background(), r.ID)
	if len(jobs) != 2 || jobs[1].Channel != roi.DeliveryPortal {
		t.Fatalf("deliveries %+v", jobs)
	}
	_, again, _ := e.page(auth.RoleSpecialist, "GET", "/requests/"+strconv.FormatInt(int64(r.ID), 10)+"/deliveries/"+strconv.FormatInt(jobs[1].ID, 10), nil)
	if strings.Contains(again, "portal/download#") {
		t.Error("the link is shown again")
	}
}
