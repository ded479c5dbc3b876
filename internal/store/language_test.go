package store

import (
	"context"
	"testing"

	"github.com/custodian-roi/custodian/internal/roi"
)

// A request's language is stored and read back; an unset one is English,
// and the database refuses a language the desk does not write.
func TestStore_RequestLanguage(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		pid := mustPatient(t, s)
		es := mustRequest(t, s, pid, func(r *roi.DeskRequest) { r.Language = roi.LanguageSpanish })
		en := mustRequest(t, s, pid, nil)
		if en.Language != roi.LanguageEnglish {
			t.Errorf("created without a language: %q, want en", en.Language)
		}
		for _, want := range []*roi.DeskRequest{es, en} {
			got, err := s.Request(ctx, want.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Language != want.Language {
				t.Errorf("request %d language %q, want %q", want.ID, got.Language, want.Language)
			}
		}
		// An update keeps it.
		got, err := s.UpdateRequest(ctx, es.ID, es.Version, func(r *roi.DeskRequest, tx *Tx) error {
			r.Status = roi.StatusVerifying
			return nil
		})
		if err != nil || got.Language != roi.LanguageSpanish {
			t.Errorf("after update: language %v, err %v; want es", got, err)
		}
		list, err := s.Requests(ctx, RequestFilter{PatientID: pid})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, r := range list {
			if r.Language == roi.LanguageSpanish {
				n++
			}
		}
		if n != 1 {
			t.Errorf("queue read %d Spanish requests, want 1", n)
		}
		bad := &roi.DeskRequest{PatientID: pid, Request: es.Request, Delivery: roi.DeliveryPortal, Status: roi.StatusReceived, Language: "fr"}
		if err := s.CreateRequest(ctx, bad, roi.Event{Kind: "intake", Actor: "clerk"}); err == nil {
			t.Error("a request in French was stored; the column must refuse it")
		}
	})
}
