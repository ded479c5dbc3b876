// Package syslogtest runs a real RFC 5425 syslog-over-TLS collector on
// loopback for tests, with a test CA that issues its certificate and a
// client certificate (it requires one: mutual TLS). Imported only by
// _test.go files.
package syslogtest

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
)

// PKI is a test CA and the certificates it issued, written as PEM files.
type PKI struct {
	CAFile, CertFile, KeyFile string // the CA; the client's certificate and key
	server                    tls.Certificate
	pool                      *x509.CertPool
}

// NewPKI makes a CA, a server certificate for 127.0.0.1 and localhost,
// and a client certificate, in t.TempDir().
func NewPKI(t testing.TB) *PKI {
	t.Helper()
	dir := t.TempDir()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test audit CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	issue := func(serial int64, cn string, usage x509.ExtKeyUsage) ([]byte, *ecdsa.PrivateKey) {
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage},
			DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		return der, key
	}
	write := func(name, typ string, der []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	srvDER, srvKey := issue(2, "collector", x509.ExtKeyUsageServerAuth)
	cliDER, cliKey := issue(3, "custodian", x509.ExtKeyUsageClientAuth)
	cliKeyDER, _ := x509.MarshalECPrivateKey(cliKey)
	p := &PKI{
		CAFile:   write("ca.pem", "CERTIFICATE", caDER),
		CertFile: write("client.pem", "CERTIFICATE", cliDER),
		KeyFile:  write("client-key.pem", "EC PRIVATE KEY", cliKeyDER),
		server:   tls.Certificate{Certificate: [][]byte{srvDER}, PrivateKey: srvKey},
		pool:     x509.NewCertPool(),
	}
	p.pool.AddCert(ca)
	return p
}

// Collector is a syslog-over-TLS listener that keeps every message it
// receives, in order.
type Collector struct {
	Addr string
	pki  *PKI
	t    testing.TB

	mu       sync.Mutex
	msgs     [][]byte
	ln       net.Listener
	conns    map[net.Conn]bool
	rejected int // handshakes refused (no or a wrong client certificate)
	wake     chan struct{}
}

// Start listens on a free loopback port.
func Start(t testing.TB, pki *PKI) *Collector {
	t.Helper()
	c := &Collector{pki: pki, t: t, conns: map[net.Conn]bool{}, wake: make(chan struct{}, 1)}
	c.listen("127.0.0.1:0")
	t.Cleanup(c.Stop)
	return c
}

func (c *Collector) listen(addr string) {
	conf := &tls.Config{Certificates: []tls.Certificate{c.pki.server}, ClientCAs: c.pki.pool,
		ClientAuth: tls.RequireAndVerifyClientCert, MinVersion: tls.VersionTLS12}
	var ln net.Listener
	var err error
	for range 50 { // the port just released may take a moment to be free again
		if ln, err = tls.Listen("tcp", addr, conf); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		c.t.Fatalf("collector: listen: %v", err)
	}
	c.mu.Lock()
	c.ln, c.Addr = ln, ln.Addr().String()
	c.mu.Unlock()
	go c.accept(ln)
}

func (c *Collector) accept(ln net.Listener) {
	for {
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		c.mu.Lock()
		c.conns[nc] = true
		c.mu.Unlock()
		go c.read(nc)
	}
}

// read parses RFC 5425 frames: MSG-LEN SP SYSLOG-MSG.
func (c *Collector) read(nc net.Conn) {
	defer func() {
		nc.Close()
		c.mu.Lock()
		delete(c.conns, nc)
		c.mu.Unlock()
	}()
	if err := nc.(*tls.Conn).Handshake(); err != nil {
		c.mu.Lock()
		c.rejected++
		c.mu.Unlock()
		return
	}
	r := bufio.NewReader(nc)
	for {
		n, err := r.ReadString(' ')
		if err != nil {
			return
		}
		size, err := strconv.Atoi(n[:len(n)-1])
		if err != nil || size <= 0 || size > 1<<20 {
			c.t.Errorf("collector: bad frame length %q", n)
			return
		}
		msg := make([]byte, size)
		if _, err := io.ReadFull(r, msg); err != nil {
			return
		}
		c.mu.Lock()
		c.msgs = append(c.msgs, msg)
		c.mu.Unlock()
		select {
		case c.wake <- struct{}{}:
		default:
		}
	}
}

// Stop closes the listener and every connection (an outage).
func (c *Collector) Stop() {
	c.mu.Lock()
	ln := c.ln
	c.ln = nil
	conns := make([]net.Conn, 0, len(c.conns))
	for nc := range c.conns {
		conns = append(conns, nc)
	}
	c.mu.Unlock()
	if ln != nil {
		ln.Close()
	}
	for _, nc := range conns {
		nc.Close()
	}
}

// Restart listens again on the same address.
func (c *Collector) Restart() { c.listen(c.Addr) }

// Messages returns a copy of every message received so far.
func (c *Collector) Messages() [][]byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([][]byte(nil), c.msgs...)
}

// Rejected counts the connections refused at the handshake.
func (c *Collector) Rejected() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.rejected
}

// ErrTimeout: Wait gave up.
var ErrTimeout = errors.New("syslogtest: timed out")

// Wait waits until done(messages) holds or timeout passes.
func (c *Collector) Wait(timeout time.Duration, done func([][]byte) bool) error {
	deadline := time.After(timeout)
	for {
		if done(c.Messages()) {
			return nil
		}
		select {
		case <-c.wake:
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			return ErrTimeout
		}
	}
}
