// Package sendtest runs real SMTP and SFTP servers on 127.0.0.1 for tests of
// package send and of the workflows that deliver through it.
//
// The servers are the protocol libraries the project already vets, not
// mocks: go-smtp with STARTTLS and AUTH PLAIN, and x/crypto/ssh with
// pkg/sftp. Each server is stopped, and its goroutines waited for, by
// t.Cleanup. Keys and certificates are generated at start and live only in
// memory.
//
// It must not be imported outside tests: its servers trust fixed test
// credentials and keep every message in memory.
package sendtest
