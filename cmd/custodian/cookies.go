package main

import (
	"net"
	"net/netip"
)

// loopbackAddr reports whether the listen address addr (HOST:PORT) only
// answers on this machine: a loopback address, or the name localhost. A
// wildcard host (":8080", "0.0.0.0", "[::]") answers on every interface
// and is not loopback.
func loopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}
