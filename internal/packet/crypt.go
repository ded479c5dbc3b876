package packet

import (
	"bytes"
	"crypto/rand"
	"math/big"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"

	"github.com/custodian-roi/custodian/internal/roi"
)

// Permissions are what a packet's reader may do without the owner
// password: print it (in full quality) and extract its text and graphics
// for accessibility (bit 10: screen readers, reflow, text-to-speech; ISO
// 32000-2 asks readers to allow this whatever the bit says, older readers
// obey it). Changing the document, copying for other purposes and
// assembling stay forbidden.
const Permissions = model.PermissionsPrint | model.PermissionExtractRev3

// Encrypt returns pdf encrypted with AES-256 (the PDF 2.0 standard
// security handler, revision 6; the output declares PDF 2.0): userPassword opens it, ownerPassword also lifts the
// restrictions, and without the owner password it may be printed and read
// by assistive technology (Permissions) but not changed or copied from. Both passwords are required and must differ, so
// that the recipient's password never grants the owner's rights.
//
// The output is not deterministic: the file key and salts are random.
func Encrypt(pdf []byte, userPassword, ownerPassword string) ([]byte, error) {
	if userPassword == "" || ownerPassword == "" || userPassword == ownerPassword {
		return nil, roi.Errorf(roi.CodeInvalid, "Encrypting a packet needs a user password and a different owner password.")
	}
	conf := pdfConf()
	conf.UserPW, conf.OwnerPW = userPassword, ownerPassword
	conf.EncryptUsingAES = true
	conf.EncryptKeyLength = 256
	conf.Permissions = Permissions
	conf.Cmd = model.ENCRYPT
	// One read and one write: the file API would validate, optimise and
	// write twice, several times slower on a large packet.
	ctx, err := api.ReadAndValidate(readSeeker(pdf), conf)
	if err != nil {
		return nil, roi.Wrap(roi.CodeInvalid, err, "The packet to encrypt does not read as a PDF.")
	}
	// pdfcpu writes the ISO 32000-2 handler (R 6, whose key derivation
	// iterates its hash) only for a PDF 2.0 document; for older versions
	// it writes the deprecated R 5, whose password check is one SHA-256.
	v20 := model.V20
	ctx.HeaderVersion = &v20
	ctx.RootVersion = nil
	ctx.Cmd = model.ENCRYPT
	ctx.EncryptUsingAES = true
	ctx.EncryptKeyLength = 256
	ctx.UserPW, ctx.OwnerPW = userPassword, ownerPassword
	ctx.Permissions = Permissions
	var out bytes.Buffer
	if err := api.WriteContext(ctx, &out); err != nil {
		return nil, roi.WrapOp("packet.encrypt", roi.CodeInternal, err, "The packet could not be encrypted.")
	}
	return out.Bytes(), nil
}

// Decrypt returns the unencrypted form of an encrypted packet, given its
// user or owner password: for verifying a delivered packet against its
// manifest. A wrong password is CodeForbidden.
func Decrypt(pdf []byte, password string) ([]byte, error) {
	conf := pdfConf()
	conf.UserPW, conf.OwnerPW = password, password
	conf.Cmd = model.DECRYPT
	var out bytes.Buffer
	if err := api.Decrypt(readSeeker(pdf), &out, conf); err != nil {
		return nil, roi.Wrap(roi.CodeForbidden, err, "The packet could not be decrypted with that password.")
	}
	return out.Bytes(), nil
}

// passwordAlphabet leaves out characters that are misread when a password
// is read aloud or copied by hand: 0 O o, 1 I l, and 5 S.
const passwordAlphabet = "ABCDEFGHJKLMNPQRTUVWXYZabcdefghijkmnpqrstuvwxyz2346789"

// PasswordLength is the length of a NewPassword: 20 characters from a
// 53-character alphabet, about 114 bits.
const PasswordLength = 20

// NewPassword returns a random password for a packet, meant to reach the
// recipient by another channel than the packet (a phone call, a letter).
// Never log it or store it beside the packet.
func NewPassword() (string, error) {
	b := make([]byte, PasswordLength)
	max := big.NewInt(int64(len(passwordAlphabet)))
	for i := range b {
		n, err := rand.Int(rand.Reader, max)
		if err != nil {
			return "", roi.WrapOp("packet.password", roi.CodeInternal, err, "No random password could be made.")
		}
		b[i] = passwordAlphabet[n.Int64()]
	}
	return string(b), nil
}
