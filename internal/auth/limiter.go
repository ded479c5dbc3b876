package auth

import (
	"sync"
	"time"
)

// The in-memory limits of signing in. Both check and count an attempt
// under one lock before the password or code is checked (reserve), and a
// right answer takes its reservation back (undo): concurrent guesses
// cannot all pass the check and all be hashed (issue #15, M2). A restart
// forgets them; the per-account count is kept in the database.

// limiter counts attempts per key in a sliding window: it stops one
// client address trying many accounts, and a user name that names no
// account as the database count stops one that does.
type limiter struct {
	max    int
	window time.Duration

	mu    sync.Mutex
	fails map[string][]time.Time
}

func newLimiter(max int, window time.Duration) *limiter {
	return &limiter{max: max, window: window, fails: map[string][]time.Time{}}
}

// recent drops key's attempts older than the window. l.mu is held.
func (l *limiter) recent(key string, now time.Time) []time.Time {
	ts := l.fails[key]
	i := 0
	for i < len(ts) && !ts[i].After(now.Add(-l.window)) {
		i++
	}
	ts = ts[i:]
	if len(ts) == 0 {
		delete(l.fails, key)
	} else {
		l.fails[key] = ts
	}
	return ts
}

// reserve counts an attempt for key, unless key has used up its
// attempts: then it reports how long until it may try again.
func (l *limiter) reserve(key string, now time.Time) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.fails) > 10000 { // keep memory bounded under a spray of keys
		for k := range l.fails {
			l.recent(k, now)
		}
	}
	ts := l.recent(key, now)
	if len(ts) >= l.max {
		return ts[len(ts)-l.max].Add(l.window).Sub(now), false
	}
	l.fails[key] = append(ts, now)
	return 0, true
}

// undo takes back the reservation key made at at: it was no failure.
func (l *limiter) undo(key string, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ts := l.fails[key]
	for i := len(ts) - 1; i >= 0; i-- {
		if ts[i].Equal(at) {
			ts = append(ts[:i:i], ts[i+1:]...)
			break
		}
	}
	if len(ts) == 0 {
		delete(l.fails, key)
	} else {
		l.fails[key] = ts
	}
}

// full reports whether key has used up its attempts (the ledger notes it).
func (l *limiter) full(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.recent(key, now)) >= l.max
}

// throttle slows one address guessing at one account with growing
// delays instead of locking the account: free failures in a row are
// allowed at once; after that each attempt must wait base, then twice
// that, and so on up to max, after the last failure. A full sign-in
// clears the streak; a streak without failures for forget is dropped.
// Someone else's guesses, from another address, never slow the owner.
type throttle struct {
	free              int
	base, max, forget time.Duration

	mu sync.Mutex
	m  map[string]*streak
}

type streak struct {
	n    int // failures (and attempts in flight) in a row
	last time.Time
}

func newThrottle(free int, base, max, forget time.Duration) *throttle {
	return &throttle{free: free, base: base, max: max, forget: forget, m: map[string]*streak{}}
}

// delay is the wait after n failures in a row.
func (t *throttle) delay(n int) time.Duration {
	if n < t.free {
		return 0
	}
	d := t.base
	for i := t.free; i < n && d < t.max; i++ {
		d *= 2
	}
	return min(d, t.max)
}

// reserve counts an attempt on key if its delay has passed, else reports
// how long is left. Check and count are one step under the lock.
func (t *throttle) reserve(key string, now time.Time) (time.Duration, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.m) > 10000 { // keep memory bounded under a spray of keys
		for k, s := range t.m {
			if now.Sub(s.last) > t.forget {
				delete(t.m, k)
			}
		}
	}
	s := t.m[key]
	if s != nil && now.Sub(s.last) > t.forget {
		s = nil
	}
	if s == nil {
		s = &streak{}
		t.m[key] = s
	}
	if next := s.last.Add(t.delay(s.n)); s.n >= t.free && now.Before(next) {
		return next.Sub(now), false
	}
	s.n++
	s.last = now
	return 0, true
}

// undo takes back one reservation of key: that attempt was right. The
// streak is not cleared: a right password then a wrong code still count.
func (t *throttle) undo(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if s := t.m[key]; s != nil {
		if s.n--; s.n <= 0 {
			delete(t.m, key)
		}
	}
}

// clear ends key's streak: a full sign-in.
func (t *throttle) clear(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.m, key)
}
