package core

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"net/netip"

	"github.com/espressovpn/espresso/ipsec/ike/auth"
	"github.com/espressovpn/espresso/ipsec/ike/wire"
)

// ParseIdentity reads an identity written as strongSwan users write them
// (RFC 7296 §3.5): an IP address, "user@example.com" (RFC 822),
// "host.example.com" (FQDN), a distinguished name such as "C=XX, O=Example,
// CN=gw", and the prefixes "@" (FQDN), "@@" (RFC 822) and "@#" (key ID in
// hex). It is auth.ParseIdentity, kept here for the package's users.
func ParseIdentity(s string) (wire.Identity, error) { return auth.ParseIdentity(s) }

// LocalIdentity is the identity we send: the configured one, else the
// certificate's subject, else our address.
func LocalIdentity(cfg *Config, local netip.Addr) wire.Identity {
	switch {
	case cfg.LocalID.IDType != 0:
		return cfg.LocalID
	case cfg.LocalAuth == AuthCert && len(cfg.Cert) > 0:
		return wire.DNIdentity(cfg.Cert[0].RawSubject)
	}
	return wire.AddrIdentity(local)
}

// formatIdentity renders an identity for events and errors; DNs as text.
func formatIdentity(id wire.Identity) string {
	if id.IDType == wire.IDDERASN1DN {
		var rdns pkix.RDNSequence
		if rest, err := asn1.Unmarshal(id.Data, &rdns); err == nil && len(rest) == 0 {
			var n pkix.Name
			n.FillFromRDNSequence(&rdns)
			return n.String()
		}
	}
	if id.IDType == wire.IDFQDN || id.IDType == wire.IDRFC822 {
		return string(id.Data)
	}
	return id.String()
}
