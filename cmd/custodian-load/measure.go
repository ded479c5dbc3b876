package main

import (
	"context"
	"database/sql"
	"fmt"
	mrand "math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the database's size on PostgreSQL

	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/store"
)

// pickRequest returns a known request of the seeded desk, recent ones
// more often.
func (l *load) pickRequest(r *mrand.Rand) knownRequest {
	n := len(l.reqs)
	return l.reqs[n-1-min(int(r.ExpFloat64()*float64(n)/4), n-1)]
}

// deskView is one view of a staff member on a seeded desk: the queue, a
// request, a search (by request number or by patient name), a patient's
// chart, or (auditors) a patient's accounting of disclosures.
func (l *load) deskView(ctx context.Context, r *mrand.Rand, a *account, cookie map[string]string, pages, auditor bool) {
	x := r.IntN(100)
	kr := l.pickRequest(r)
	switch {
	case pages && x < 25:
		l.do(ctx, "page GET / (queue)", "GET", "/", cookie, nil, 200, nil)
	case !pages && x < 25:
		l.api(ctx, "api GET /requests?open=true", a, "GET", "/api/v1/requests?open=true", nil, 200, nil)
	case pages && x >= 65 && x < 75:
		term := kr.number
		if r.IntN(2) == 0 {
			term = l.names[kr.patient]
		}
		form := url.Values{"q": {term}}
		hdr := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
		for k, v := range cookie {
			hdr[k] = v
		}
		l.do(ctx, "page POST /search", "POST", "/search", hdr, strings.NewReader(form.Encode()), 200, nil)
	case x >= 75 && x < 85:
		l.api(ctx, "api GET /patients/{id}/chart (patient)", a, "GET", fmt.Sprintf("/api/v1/patients/%d/chart", kr.patient), nil, 200, nil)
	case auditor && x >= 85 && x < 95:
		l.api(ctx, "api GET /patients/{id}/accounting", a, "GET", fmt.Sprintf("/api/v1/patients/%d/accounting", kr.patient), nil, 200, nil)
	case pages:
		l.do(ctx, "page GET /requests/{id}", "GET", fmt.Sprintf("/requests/%d", l.pick(r)), cookie, nil, 200, nil)
	default:
		l.api(ctx, "api GET /requests/{id}", a, "GET", fmt.Sprintf("/api/v1/requests/%d", l.pick(r)), nil, 200, nil)
	}
}

// accountingInProcess times the ledger read behind an accounting of
// disclosures (one patient's disclosures among all entries), in process,
// one at a time, after the run.
func (l *load) accountingInProcess(ctx context.Context, s *store.Store) {
	r := mrand.New(mrand.NewPCG(7, 7))
	sr := &series{}
	before := loadavg()
	rows := 0
	for range 200 {
		kr := l.reqs[r.IntN(len(l.reqs))]
		t := time.Now()
		es, err := s.Ledger(ctx, store.LedgerFilter{PatientID: roi.PatientID(kr.patient), Kind: roi.EventDisclosure})
		if err != nil {
			fmt.Printf("accounting read: %v\n", err)
			return
		}
		sr.d = append(sr.d, time.Since(t))
		rows += len(es)
	}
	after := loadavg()
	fmt.Printf("\naccounting's ledger read in process (store.Ledger by patient and kind \"disclosure\"), 200 patients one at a time after the run: p50 %s p99 %s max %s, %.1f disclosures a patient; load %.2f/%.2f%s\n",
		ms(sr.pct(0.5)), ms(sr.pct(0.99)), ms(sr.pct(1)), float64(rows)/200, before, after, busy(before))
}

// loadavg is the machine's 1-minute load average (0 if unknown).
func loadavg() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f, _ := strconv.ParseFloat(strings.Fields(string(b))[0], 64)
	return f
}

func (l *load) sampleLoad(ctx context.Context) {
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			l.loadMu.Lock()
			l.loadDuring = append(l.loadDuring, loadavg())
			l.loadMu.Unlock()
		}
	}
}

// busyAbove is the load average before a run above which the machine
// counts as busy with other work.
const busyAbove = 0.5

func busy(before float64) string {
	if before > busyAbove {
		return " machine busy"
	}
	return ""
}

func (l *load) during() (mean, peak float64) {
	l.loadMu.Lock()
	defer l.loadMu.Unlock()
	for _, v := range l.loadDuring {
		mean += v
		peak = max(peak, v)
	}
	if len(l.loadDuring) > 0 {
		mean /= float64(len(l.loadDuring))
	}
	return mean, peak
}

func (l *load) loadColumns() string {
	mean, peak := l.during()
	s := fmt.Sprintf("%.2f / %.2f, %.2f / %.2f", l.loadBefore, mean, peak, l.loadAfter)
	if l.loadBefore > busyAbove {
		s += fmt.Sprintf(" — MACHINE BUSY (load above %.1f before the run: figures include other work)", busyAbove)
	}
	return s
}

func (l *load) loadShort() string {
	_, peak := l.during()
	s := fmt.Sprintf("%.2f/%.2f/%.2f", l.loadBefore, peak, l.loadAfter)
	if l.loadBefore > busyAbove {
		s += " busy"
	}
	return s
}

// dbSize is the size of the database on disk.
func dbSize(ctx context.Context, dsn string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			return err.Error()
		}
		defer db.Close()
		var n int64
		if err := db.QueryRowContext(ctx, `SELECT pg_database_size(current_database())`).Scan(&n); err != nil {
			return err.Error()
		}
		return mib(n)
	}
	var n int64
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if fi, err := os.Stat(dsn + suffix); err == nil {
			n += fi.Size()
		}
	}
	return mib(n) + " (file, WAL and shared memory)"
}

func mib(n int64) string { return fmt.Sprintf("%.0f MiB", float64(n)/(1<<20)) }

// curve seeds one SQLite desk per size and measures each: how the queue's
// cost grows with the desk.
func curve(ctx context.Context, o options) error {
	dir := o.curveDir
	if dir == "" {
		d, err := os.MkdirTemp("", "custodian-curve-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	type point struct {
		size deskSize
		l    *load
	}
	var points []point
	for _, f := range strings.Split(o.curve, ",") {
		// P, or P:R for P patients and R closed requests.
		ps, rs, _ := strings.Cut(strings.TrimSpace(f), ":")
		p, err := strconv.Atoi(ps)
		if err != nil || p < 10 {
			return fmt.Errorf("--curve: %q is not a patient count (P or P:R)", f)
		}
		sz := deskSize{patients: p, closed: 5 * p, open: max(p/5, 1), raw: min(o.size.raw, max(p/10, 1))}
		if rs != "" {
			if sz.closed, err = strconv.Atoi(rs); err != nil {
				return fmt.Errorf("--curve: %q is not a patient count (P or P:R)", f)
			}
		}
		sz.ledger = 100 * (sz.closed + sz.open) // 5M for 50,000 requests
		o2 := o
		o2.seedDesk, o2.reuse, o2.seedOnly, o2.size = true, false, false, sz
		o2.db = filepath.Join(dir, fmt.Sprintf("desk-%d-%d.db", sz.patients, sz.closed))
		fmt.Printf("\n=== desk of %d patients, %d closed and %d open requests, about %d ledger entries (%s)\n", sz.patients, sz.closed, sz.open, sz.ledger, o2.db)
		l, err := run(ctx, o2)
		if err != nil {
			return err
		}
		points = append(points, point{sz, l})
	}
	fmt.Printf("\nthe queue as the desk grows (%d sessions, think %s, %s each):\n", o.sessions, o.think, o.duration)
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "patients\trequests\tledger\tqueue page p50\tp99\tAPI list p50\tp99\trequest page p50\tp99\tload b/d/a\t")
	for _, pt := range points {
		q, a, r := pt.l.stats["page GET / (queue)"], pt.l.stats["api GET /requests?open=true"], pt.l.stats["page GET /requests/{id}"]
		fmt.Fprintf(tw, "%d\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", pt.size.patients, pt.size.closed+pt.size.open, pt.size.ledger,
			ms(q.pct(0.5)), ms(q.pct(0.99)), ms(a.pct(0.5)), ms(a.pct(0.99)), ms(r.pct(0.5)), ms(r.pct(0.99)), pt.l.loadShort())
	}
	return tw.Flush()
}
