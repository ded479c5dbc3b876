// Package send delivers released material over the two secure channels the
// desk supports: a notification e-mail (SMTP with mandatory STARTTLS) and a
// file push to a recipient's SFTP drop box with a pinned host key. Each
// successful delivery returns a Receipt for the disclosure ledger; each
// failure returns an *Error that says whether a retry may help (Temporary).
//
// It must not decide what may be released, hold state between calls, or put
// PHI anywhere it does not have to go: not in receipts, not in error
// messages, not in logs (it logs nothing).
//
// # E-mail
//
// SMTP.Send speaks SMTP through go-mail's smtp client, step by step, so that
// every safeguard is explicit and every failure has a typed operation:
//
//   - SECURITY: TLS is mandatory. A server that does not advertise STARTTLS
//     is refused with ErrNoSTARTTLS before any credential or message is sent;
//     there is no plain-text fallback and no implicit-TLS shortcut.
//   - SECURITY: the server certificate is verified against RootCAs (the
//     system roots when nil) for Host, with TLS 1.2 at least. There is no
//     InsecureSkipVerify anywhere in this package.
//   - SECURITY: AUTH PLAIN runs only on a completed TLS connection. Our PLAIN
//     mechanism refuses to run otherwise, without the "localhost is fine"
//     exemption that go-mail and net/smtp's PlainAuth make.
//   - PHI: a Message carries a link to the portal, never PHI: no names,
//     dates of birth, MRNs or document contents in Subject or Text. The
//     package cannot check this; the caller must. The recipient address is
//     necessarily PHI-adjacent, so it appears in no Receipt and no error.
//
// Mail delivery is at least once: if the connection drops after the message
// was transmitted but before the server's final reply, the server may have
// accepted it, and a retry sends it again. Pass the same Message.MessageID
// on retries so that the copies can be recognised as one message.
//
// # SFTP
//
// SFTP.Push writes one file into Dir on an SFTP server:
//
//   - SECURITY: the server's host key is pinned (ssh.FixedHostKey). An empty
//     HostKey is a configuration error; a mismatch is refused during the key
//     exchange, before any credential is sent. There is no
//     InsecureIgnoreHostKey and no trust-on-first-use.
//   - The name must be a plain file name: no separators, no "." or "..".
//   - The file is written under a temporary name, synced (where the server
//     supports fsync@openssh.com), closed, checked by size and only then
//     renamed to its final name, so a reader never sees a partial file.
//   - Exactly once: a push whose final file already exists with the same
//     SHA-256 returns a Receipt with AlreadyPresent set and uploads nothing;
//     a final file with other content is never overwritten (ErrConflict).
//     The rename uses SSH_FXP_RENAME, which OpenSSH refuses when the target
//     exists, so two racing pushes cannot overwrite each other either.
//
// File names are recorded in receipts and may appear in error messages, so
// they must be opaque (a request ID, not a patient's name).
//
// # Errors
//
// Every error returned is an *Error. Its message names the channel, the
// operation and, for SMTP replies, only the numeric codes: servers echo
// addresses in reply text, so that text is never part of Error(). The cause
// is kept for errors.Is and errors.As; do not log it verbatim.
package send
