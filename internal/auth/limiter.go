package auth

import (
	"sync"
	"time"
)

// limiter counts failures per key in a sliding window, in memory. It
// guards what the database cannot: clients (one address trying many
// accounts) and user names that name no account. A restart forgets it;
// the per-account lockout is kept in the database.
type limiter struct {
	max    int
	window time.Duration

	mu    sync.Mutex
	fails map[string][]time.Time
}

func newLimiter(max int, window time.Duration) *limiter {
	return &limiter{max: max, window: window, fails: map[string][]time.Time{}}
}

// recent drops key's failures older than the window. l.mu is held.
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

// blocked reports whether key has used up its failures, and for how long.
func (l *limiter) blocked(key string, now time.Time) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ts := l.recent(key, now)
	if len(ts) < l.max {
		return 0, false
	}
	return ts[len(ts)-l.max].Add(l.window).Sub(now), true
}

// fail counts a failure for key and reports whether key is now blocked.
func (l *limiter) fail(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.fails) > 10000 { // keep memory bounded under a spray of keys
		for k := range l.fails {
			l.recent(k, now)
		}
	}
	ts := append(l.recent(key, now), now)
	if len(ts) > l.max {
		ts = ts[len(ts)-l.max:]
	}
	l.fails[key] = ts
	return len(ts) >= l.max
}
