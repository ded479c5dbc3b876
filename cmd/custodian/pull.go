package main

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/custodian-roi/custodian/internal/ehr"
	"github.com/custodian-roi/custodian/internal/fhir"
)

// cmdPull fetches one patient's record from a configured EHR over FHIR
// (SMART Backend Services) and imports it like a file.
func cmdPull(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := newFlagSet("pull", stderr)
	var dbf dbFlags
	dbf.register(fs, getenv)
	labels := labelsFlag(fs, getenv)
	base := fs.String("fhir-base", getenv("CUSTODIAN_EHR_BASE"), "the EHR's FHIR base URL")
	tokenURL := fs.String("token-url", getenv("CUSTODIAN_EHR_TOKEN_URL"), "token endpoint (default: discovered from the base URL)")
	client := fs.String("client-id", getenv("CUSTODIAN_EHR_CLIENT_ID"), "the client id registered with the EHR")
	keyFile := fs.String("key", getenv("CUSTODIAN_EHR_KEY"), "PEM private key (RSA or P-384 EC) for the client assertion")
	kid := fs.String("kid", getenv("CUSTODIAN_EHR_KID"), "the key id registered with the EHR (JWK kid)")
	scope := fs.String("scope", getenv("CUSTODIAN_EHR_SCOPE"), "scope to ask for (default "+ehr.DefaultScope+")")
	patient := fs.String("patient", "", "the patient's FHIR id at the EHR")
	mrn := fs.String("mrn-system", getenv("CUSTODIAN_MRN_SYSTEM"), "identifier system whose value is the MRN")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if *base == "" || *client == "" || *keyFile == "" || *kid == "" || *patient == "" {
		fmt.Fprintln(stderr, "usage: custodian pull --fhir-base URL --client-id ID --key FILE --kid KID --patient ID [--data DIR | --db URL]")
		return exitUsage
	}
	key, err := readKey(*keyFile)
	if err != nil {
		fmt.Fprintf(stderr, "custodian: %s: %s\n", *keyFile, err)
		return exitUsage
	}
	c, err := ehr.New(ehr.Config{BaseURL: *base, TokenURL: *tokenURL, ClientID: *client, Key: key, KeyID: *kid, Scope: *scope})
	if err != nil {
		fmt.Fprintf(stderr, "custodian: pull: %s\n", describe(err))
		return exitUsage
	}
	s, ok := dbf.open(ctx, stderr)
	if !ok {
		return exitFailure
	}
	defer s.Close()
	desk, ok := newDesk(s, *labels, stderr)
	if !ok {
		return exitUsage
	}
	// PHI: the record is written to a private temporary file, imported,
	// and removed, whatever happens.
	tmp, err := os.CreateTemp("", "custodian-pull-*.json")
	if err != nil {
		fmt.Fprintf(stderr, "custodian: pull: %s\n", describe(err))
		return exitFailure
	}
	defer os.Remove(tmp.Name())
	n, err := c.Everything(ctx, *patient, tmp)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		// ehr errors name the step and status, never the patient.
		fmt.Fprintf(stderr, "custodian: pull: %s (nothing was imported)\n", describe(err))
		return exitFailure
	}
	var sum importSummary
	stats, _, err := readCharts(tmp.Name(), *mrn, func(ch fhir.Chart) error {
		_, added, err := desk.Import(ctx, "pull", ch)
		if err == nil {
			sum.add(ch, added)
		}
		return err
	})
	if err != nil {
		fmt.Fprintf(stderr, "custodian: pull: the EHR's answer did not import: %s\n", describe(err))
		return exitFailure
	}
	sum.stats(stats)
	fmt.Fprintf(stdout, "fetched %d resources; ", n)
	sum.print(stdout)
	return exitOK
}

// readKey reads a PEM private key: PKCS#8, PKCS#1 RSA or SEC 1 EC.
func readKey(path string) (crypto.Signer, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, errors.New(describe(err))
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("not a PEM file")
	}
	if k, err := x509.ParsePKCS8PrivateKey(block.Bytes); err == nil {
		if s, ok := k.(crypto.Signer); ok {
			return s, nil
		}
		return nil, errors.New("the key cannot sign")
	}
	if k, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	if k, err := x509.ParseECPrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	return nil, errors.New("not an RSA or EC private key")
}
