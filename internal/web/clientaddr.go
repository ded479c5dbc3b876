package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/custodian-roi/custodian/internal/roi"
)

// Client addresses and the limits keyed on them (issue #15, M2).
//
// Behind a TLS proxy every request comes from the proxy's address, so a
// limit keyed on RemoteAddr lets one attacker block everyone. The proxy's
// networks are named in Options.TrustedProxies; only for a request from
// one of them is X-Forwarded-For read, from the right, skipping the
// trusted proxies, and the first address that is not one of them is the
// client. Addresses to the left of it were written by the client itself
// and are never believed. Without the setting the header is ignored, so
// a client cannot choose its own address.

type clientKey struct{}

// clientOf names the client for rate limits and the ledger: its address,
// without port, as identify worked it out.
func clientOf(r *http.Request) string {
	if c, ok := r.Context().Value(clientKey{}).(string); ok {
		return c
	}
	return remoteHost(r.RemoteAddr)
}

// remoteHost is an address without its port.
func remoteHost(addr string) string {
	if ap, err := netip.ParseAddrPort(addr); err == nil {
		return ap.Addr().Unmap().String()
	}
	if i := strings.LastIndexByte(addr, ':'); i > 0 && !strings.Contains(addr[i:], "]") {
		addr = addr[:i]
	}
	return strings.Trim(addr, "[]")
}

// clientAddress works out the client of r under trusted, the proxy
// networks whose X-Forwarded-For is believed.
func clientAddress(r *http.Request, trusted []netip.Prefix) string {
	peer := remoteHost(r.RemoteAddr)
	if len(trusted) == 0 {
		return peer
	}
	isTrusted := func(s string) bool {
		a, err := netip.ParseAddr(strings.TrimSpace(s))
		if err != nil {
			return false
		}
		a = a.Unmap()
		for _, p := range trusted {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}
	if !isTrusted(peer) {
		return peer
	}
	var hops []string
	for _, h := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(h, ",")...)
	}
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		hop := strings.TrimSpace(hops[i])
		a, err := netip.ParseAddr(hop)
		if err != nil {
			// Garbage where an address should be: the proxy wrote what it
			// got, and nothing further left can be believed.
			return client
		}
		client = a.Unmap().String()
		if !isTrusted(hop) {
			return client
		}
	}
	return client
}

// withClient puts the client address in r's context.
func withClient(r *http.Request, trusted []netip.Prefix) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), clientKey{}, clientAddress(r, trusted)))
}

// The limits on the portal's code e-mails: each sends mail to a
// requester's address, so an outsider repeating the request could flood
// a mailbox or spend the desk's mail quota.
const (
	// CodeMailsPerToken code e-mails per link or submission token in
	// CodeMailWindow.
	CodeMailsPerToken = 3
	// CodeMailsPerClient code e-mail requests per client address in
	// CodeMailWindow, whatever the token (a spray of made-up tokens
	// sends no mail but is still stopped).
	CodeMailsPerClient = 10
	CodeMailWindow     = 15 * time.Minute
)

// codeMailLimit counts code e-mail requests, in memory, per token hash
// and per client. A restart forgets it; the per-token count of wrong
// codes is in the database.
type codeMailLimit struct {
	mu     sync.Mutex
	tokens map[string][]time.Time
	client map[string][]time.Time
}

func newCodeMailLimit() *codeMailLimit {
	return &codeMailLimit{tokens: map[string][]time.Time{}, client: map[string][]time.Time{}}
}

// within drops the times older than the window and reports whether
// fewer than max remain. l.mu is held.
func within(m map[string][]time.Time, key string, now time.Time, max int) bool {
	ts := m[key]
	i := 0
	for i < len(ts) && !ts[i].After(now.Add(-CodeMailWindow)) {
		i++
	}
	ts = ts[i:]
	if len(ts) == 0 {
		delete(m, key)
	} else {
		m[key] = ts
	}
	return len(ts) < max
}

// allow checks and counts, under one lock, one code e-mail request for
// token from client. A refusal is CodeRateLimited.
// allowClient is allow for a code e-mail sent by a new submission: there
// is no token yet, so only the client's window counts.
func (l *codeMailLimit) allowClient(client string, now time.Time) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !within(l.client, client, now, CodeMailsPerClient) {
		return roi.Errorf(roi.CodeRateLimited, "Too many codes were asked for; wait 15 minutes and try again.")
	}
	l.client[client] = append(l.client[client], now)
	return nil
}

func (l *codeMailLimit) allow(token, client string, now time.Time) error {
	sum := sha256.Sum256([]byte(token))
	tk := hex.EncodeToString(sum[:])
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.tokens)+len(l.client) > 10000 { // bounded under a spray of keys
		for k := range l.tokens {
			within(l.tokens, k, now, CodeMailsPerToken)
		}
		for k := range l.client {
			within(l.client, k, now, CodeMailsPerClient)
		}
	}
	if !within(l.client, client, now, CodeMailsPerClient) || !within(l.tokens, tk, now, CodeMailsPerToken) {
		return roi.Errorf(roi.CodeRateLimited, "Too many codes were asked for; wait 15 minutes and try again.")
	}
	l.client[client] = append(l.client[client], now)
	l.tokens[tk] = append(l.tokens[tk], now)
	return nil
}
