package main

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"strings"
)

// parseTrustedProxies reads --trusted-proxies: networks (CIDR) or single
// addresses, separated by commas or spaces. Only requests from these are
// believed about the client's address (X-Forwarded-For); see
// docs/DEPLOYMENT.md. An entry that is not an address is refused, never
// skipped: a typo would otherwise leave every sign-in keyed on the
// proxy's address.
func parseTrustedProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("%q is neither a network (CIDR, e.g. 10.0.0.0/24) nor an address", f)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

// trustedProxiesOf returns the configuration file's trusted_proxies as
// one --trusted-proxies value ("" without a file or the key). configure
// has already refused a file that is not a valid configuration.
func trustedProxiesOf(file string) (string, error) {
	if file == "" {
		return "", nil
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return "", err
	}
	var c struct {
		TrustedProxies []string `json:"trusted_proxies"`
	}
	if err := json.Unmarshal(data, &c); err != nil {
		return "", fmt.Errorf("not a valid configuration: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
	return strings.Join(c.TrustedProxies, ","), nil
}
