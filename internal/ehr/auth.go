package ehr

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/sha512"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"time"
)

const (
	// assertionLifetime is the client assertion's exp after its iat: the
	// most SMART Backend Services allows.
	assertionLifetime = 5 * time.Minute
	// defaultTokenLifetime is assumed when the token response has no
	// expires_in.
	defaultTokenLifetime = 5 * time.Minute
	// tokenMargin is how long before its expiry a token is replaced, at
	// most: a quarter of its lifetime when that is shorter.
	tokenMargin = 30 * time.Second
	// maxAuthBytes bounds discovery and token responses.
	maxAuthBytes = 1 << 20

	assertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
)

// bearer returns the cached access token, or a new one when there is none
// or it is about to expire.
func (c *Client) bearer(ctx context.Context) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token != "" && c.now().Before(c.expiry) {
		return c.token, nil
	}
	c.token = ""
	tokenURL, err := c.endpoint(ctx)
	if err != nil {
		return "", err
	}
	tok, life, err := c.requestToken(ctx, tokenURL)
	if err != nil {
		return "", err
	}
	c.token, c.expiry = tok, c.now().Add(life-min(tokenMargin, life/4))
	return tok, nil
}

// invalidate drops tok from the cache, if it is still the cached token.
func (c *Client) invalidate(tok string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token == tok {
		c.token = ""
	}
}

// endpoint returns the token endpoint, discovering it the first time when
// it was not configured. c.mu is held.
func (c *Client) endpoint(ctx context.Context) (string, error) {
	if c.tokenURL != "" {
		return c.tokenURL, nil
	}
	if c.discovered != "" {
		return c.discovered, nil
	}
	s := step{name: "discovery"}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.baseURL+"/.well-known/smart-configuration", nil)
	if err != nil {
		return "", s.fail("cannot make the request")
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return "", transportError(s, err)
	}
	body, err := readBody(s, resp, jsonTypes, maxAuthBytes)
	if err != nil {
		return "", err
	}
	var conf struct {
		TokenEndpoint string `json:"token_endpoint"`
	}
	if err := json.Unmarshal(body, &conf); err != nil {
		return "", jsonError(s, err)
	}
	if conf.TokenEndpoint == "" {
		return "", s.fail("no token_endpoint")
	}
	if err := c.checkTokenURL(conf.TokenEndpoint); err != nil {
		return "", s.fail("the token_endpoint " + err.Error())
	}
	c.discovered = conf.TokenEndpoint
	return c.discovered, nil
}

// requestToken asks the token endpoint for an access token with a new
// client assertion, returning it and its lifetime.
func (c *Client) requestToken(ctx context.Context, tokenURL string) (string, time.Duration, error) {
	s := step{name: "token"}
	assertion, err := c.assertion(tokenURL)
	if err != nil {
		return "", 0, err
	}
	form := url.Values{
		"grant_type":            {"client_credentials"},
		"scope":                 {c.scope},
		"client_assertion_type": {assertionType},
		"client_assertion":      {assertion},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, tokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return "", 0, s.fail("cannot make the request")
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return "", 0, transportError(s, err)
	}
	if resp.StatusCode != http.StatusOK {
		defer discard(resp)
		e := &Error{Step: s.name, Status: resp.StatusCode}
		var oe struct {
			Error string `json:"error"`
		}
		if json.NewDecoder(io.LimitReader(resp.Body, maxAuthBytes)).Decode(&oe) == nil && oauthCode(oe.Error) {
			e.Code = oe.Error
		}
		return "", 0, e
	}
	body, err := readBody(s, resp, jsonTypes, maxAuthBytes)
	if err != nil {
		return "", 0, err
	}
	var tr struct {
		AccessToken string      `json:"access_token"`
		TokenType   string      `json:"token_type"`
		ExpiresIn   json.Number `json:"expires_in"`
	}
	if err := json.Unmarshal(body, &tr); err != nil {
		return "", 0, jsonError(s, err)
	}
	if tr.AccessToken == "" || strings.ContainsFunc(tr.AccessToken, func(r rune) bool { return r <= ' ' || r >= 0x7f }) {
		return "", 0, s.fail("no usable access_token")
	}
	if !strings.EqualFold(tr.TokenType, "bearer") {
		return "", 0, s.fail("the token_type is not bearer")
	}
	life := defaultTokenLifetime
	if tr.ExpiresIn != "" {
		secs, err := tr.ExpiresIn.Float64()
		if err != nil || secs <= 0 || secs > 1e7 {
			return "", 0, s.fail("expires_in is not a positive number of seconds")
		}
		life = time.Duration(secs * float64(time.Second))
	}
	return tr.AccessToken, life, nil
}

// oauthCode reports whether s reads as an OAuth error code (RFC 6749
// 5.2): only such a code, not the free-text description, goes into errors.
func oauthCode(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('a' <= c && c <= 'z' || c == '_') {
			return false
		}
	}
	return true
}

var b64 = base64.RawURLEncoding

// assertion returns a new client assertion for the token endpoint aud: a
// compact JWS signed with RS384 or ES384.
func (c *Client) assertion(aud string) (string, error) {
	s := step{name: "token"}
	jti := make([]byte, 16)
	if _, err := io.ReadFull(c.jtiRand, jti); err != nil {
		return "", &Error{Step: s.name, Reason: "no random jti", Err: err}
	}
	now := c.now()
	header, err := json.Marshal(struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
		Typ string `json:"typ"`
	}{c.alg, c.kid, "JWT"})
	if err != nil {
		return "", s.fail("cannot encode the assertion")
	}
	claims, err := json.Marshal(struct {
		Iss string `json:"iss"`
		Sub string `json:"sub"`
		Aud string `json:"aud"`
		Exp int64  `json:"exp"`
		Iat int64  `json:"iat"`
		Jti string `json:"jti"`
	}{c.clientID, c.clientID, aud, now.Add(assertionLifetime).Unix(), now.Unix(), hex.EncodeToString(jti)})
	if err != nil {
		return "", s.fail("cannot encode the assertion")
	}
	input := b64.EncodeToString(header) + "." + b64.EncodeToString(claims)
	digest := sha512.Sum384([]byte(input))
	sig, err := c.key.Sign(rand.Reader, digest[:], crypto.SHA384)
	if err != nil {
		return "", &Error{Step: s.name, Reason: "signing the assertion failed", Err: err}
	}
	if c.alg == "ES384" {
		if sig, err = rawECDSA(sig, 48); err != nil {
			return "", &Error{Step: s.name, Reason: "signing the assertion failed", Err: err}
		}
	}
	return input + "." + b64.EncodeToString(sig), nil
}

// rawECDSA converts an ASN.1 DER ECDSA signature, as crypto.Signer returns
// it, into the fixed-width r||s that JWS uses (RFC 7518 3.4).
func rawECDSA(der []byte, size int) ([]byte, error) {
	var rs struct{ R, S *big.Int }
	rest, err := asn1.Unmarshal(der, &rs)
	if err != nil || len(rest) != 0 || rs.R == nil || rs.S == nil ||
		rs.R.Sign() <= 0 || rs.S.Sign() <= 0 || rs.R.BitLen() > 8*size || rs.S.BitLen() > 8*size {
		return nil, errors.New("ehr: the signer returned a malformed ECDSA signature")
	}
	out := make([]byte, 2*size)
	rs.R.FillBytes(out[:size])
	rs.S.FillBytes(out[size:])
	return out, nil
}
