package kat

import (
	"regexp"

	"github.com/espressovpn/espresso/ipsec/internal/charonlog"
)

// StrongSwan6 lists the post-quantum captures of strongSwan 6.0.6, by the
// name the other functions take ("strongswan-6.0.6/x25519-mlkem768"). Each
// is a strongSwan 6.0.6 client (192.0.2.2) connecting with a PSK to a
// strongSwan 6.0.6 gateway (192.0.2.1), both with kernel-libipsec in
// network namespaces, then rekeying, from the client, the Child SA and the
// IKE SA with PFS:
//
//   - x25519-mlkem768: aes256gcm16-prfsha384-x25519-ke1_mlkem768 for the
//     IKE SA, aes256gcm16-x25519-ke1_mlkem768 for the Child SA. IKE_SA_INIT
//     with x25519, one IKE_INTERMEDIATE exchange with ML-KEM-768 (RFC 9370,
//     RFC 9242), IKE_AUTH, then a CREATE_CHILD_SA with x25519 followed by an
//     IKE_FOLLOWUP_KE with ML-KEM-768 for each rekey (RFC 9370 §2.2.4).
//   - ecp384-mlkem1024: the same with ecp384 and ML-KEM-1024, whose
//     IKE_INTERMEDIATE and IKE_FOLLOWUP_KE messages come in IKE fragments
//     (RFC 7383).
//   - mlkem768: aes256gcm16-prfsha384-mlkem768 and aes256gcm16-mlkem768,
//     ML-KEM-768 alone in IKE_SA_INIT and in each CREATE_CHILD_SA.
//
// For each, testdata/strongswan-6.0.6 holds NAME.pcap, the IKE messages the
// client's eth0 saw (UDP port 500, and 4500 with the non-ESP marker; no
// ESP), and NAME-client-charon.log, the client's charon log with ike and chd
// at level 4: the key exchange secrets, SKEYSEED and SK_* after
// IKE_SA_INIT, after each IKE_INTERMEDIATE and after each IKE rekey, the
// IntAuth values (RFC 9242 §3.3.2), the AUTH octets, and the Child SA
// seeds and keys. They were made by interop.TestStrongSwan6Pair with
// ESPRESSO_KAT_STRONGSWAN6 set to a directory (the test builds strongSwan 6
// from its tarball, platform/linux/testnet.StrongSwan6), and copied here
// unchanged; every key in them is a test key made for the run. NAME.txt
// holds the values the tests use by name, made from the two by
// TestStrongSwan6Values. To make the material afresh (as root):
//
//	ESPRESSO_KAT_STRONGSWAN6=$PWD/ipsec/ike/internal/kat/testdata/strongswan-6.0.6 \
//		go test -run TestStrongSwan6Pair ./interop/
//	ESPRESSO_KAT_WRITE=1 go test -run TestStrongSwan6Values ./ipsec/ike/internal/kat/
var StrongSwan6 = []string{
	"strongswan-6.0.6/x25519-mlkem768",
	"strongswan-6.0.6/ecp384-mlkem1024",
	"strongswan-6.0.6/mlkem768",
}

// Dump is one hex dump of a charon log: the label of the line it follows
// ("Sk_ei secret", "IntAuth_N = prf(Sk_px, data)"), the log group of that
// line ("IKE", "CHD") and the bytes.
type Dump struct {
	Label, Group string
	Data         []byte
}

// dumpLine is a charon line that starts a hex dump: "TIME THREAD[GROUP]
// <IKE SA> LABEL => N bytes @ P".
var dumpLine = regexp.MustCompile(`^\S+ \d+\[([A-Z]+)\] <[^>]*> (.*?) => \d+ bytes @`)

// Dumps returns every hex dump of a capture's client charon log in order.
// Unlike LogHex it tells labels apart that end alike ("key exchange
// secret" and "additional key exchange secret").
func Dumps(capture string) ([]Dump, error) {
	lines, err := LogLines(capture)
	if err != nil {
		return nil, err
	}
	var out []Dump
	for i, l := range lines {
		m := dumpLine.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		label := m[2]
		// The hex that follows is read by charonlog from this line on.
		hs, err := charonlog.Hex(lines[i:i+1+hexLines(lines[i+1:])], label)
		if err != nil {
			return nil, err
		}
		var data []byte
		if len(hs) > 0 {
			data = hs[0]
		}
		out = append(out, Dump{Label: label, Group: m[1], Data: data})
	}
	return out, nil
}

// hexLines counts the hex dump lines at the start of lines.
func hexLines(lines []string) int {
	n := 0
	for _, l := range lines {
		if !hexDumpLine.MatchString(LogText(l)) {
			break
		}
		n++
	}
	return n
}

var hexDumpLine = regexp.MustCompile(`^\s*\d+: [0-9A-F]{2}`)
