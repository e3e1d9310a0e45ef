package suite

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Proposal is one proposal as configured or as received: its transforms, where
// several of one type are alternatives in order of preference (RFC 7296 §3.3).
type Proposal struct {
	Transforms []Transform
}

// ProposalError reports why a proposal string was refused; Token is the
// offending keyword, empty when the proposal as a whole is incomplete.
type ProposalError struct {
	Proposal string
	Token    string
	Reason   string
}

// Error implements error.
func (e *ProposalError) Error() string {
	if e.Token != "" {
		return fmt.Sprintf("proposal %q: %q: %s", e.Proposal, e.Token, e.Reason)
	}
	return fmt.Sprintf("proposal %q: %s", e.Proposal, e.Reason)
}

// ErrInvalidProposal is matched (errors.Is) by every *ProposalError.
var ErrInvalidProposal = errors.New("invalid proposal")

// Is makes errors.Is(err, ErrInvalidProposal) true for a *ProposalError.
func (e *ProposalError) Is(target error) bool { return target == ErrInvalidProposal }

// ParseProposal parses a proposal in strongSwan syntax, keywords joined by '-'
// ("aes256gcm16-prfsha384-x25519", "aes128-sha256-modp2048", "aes256gcm16",
// "aes128gcm16-x25519-esn"). esp selects the rules for an ESP proposal, else
// those for an IKE proposal.
//
// The rules are strongSwan's: an IKE proposal needs an encryption algorithm, a
// PRF and a key exchange method; without a prf keyword the PRF is derived from
// each integrity algorithm. AEAD and non-AEAD ciphers cannot be mixed; with
// AEAD ciphers the integrity algorithms are dropped (RFC 5282 §8, RFC 4106 §8.1)
// after serving for the PRF. Non-AEAD ciphers need an integrity algorithm. An
// ESP proposal may name key exchange methods for PFS, and "modpnone" (or
// "none") among them to make PFS optional (RFC 7296 §3.3.3); in an IKE
// proposal "modpnone" is dropped, as strongSwan does, since the IKE SA
// always needs a key exchange. An ESP proposal always carries an ESN
// transform (RFC 7296 §3.3.2), "noesn" when none is named. The result is
// ordered by transform type (ENCR, INTEG, PRF, KE, ESN), keeping the order of
// preference within a type.
func ParseProposal(s string, esp bool) (Proposal, error) {
	perr := func(tok, format string, args ...any) error {
		return &ProposalError{Proposal: s, Token: tok, Reason: fmt.Sprintf(format, args...)}
	}
	var p Proposal
	if strings.TrimSpace(s) == "" {
		return p, perr("", "empty")
	}
	for _, tok := range strings.Split(s, "-") {
		kw := strings.ToLower(strings.TrimSpace(tok))
		if kw == "" {
			return Proposal{}, perr("", "empty algorithm name")
		}
		if why, bad := weak[withoutAddKEPrefix(kw)]; bad {
			return Proposal{}, perr(tok, "refused: %s", why)
		}
		t, ok := lookupKeyword(kw)
		if !ok {
			return Proposal{}, perr(tok, "unknown or unsupported algorithm")
		}
		switch {
		case esp && t.Type == TypePRF:
			return Proposal{}, perr(tok, "a PRF has no place in an ESP proposal")
		case !esp && t.Type == TypeESN:
			return Proposal{}, perr(tok, "ESN has no place in an IKE proposal")
		case t.Type.AddKEIndex() != 0 && t.ID != KENone && !keHybridOK(t.ID):
			return Proposal{}, perr(tok, "only ML-KEM and the classical groups serve as additional key exchanges")
		}
		if !slices.Contains(p.Transforms, t) {
			p.Transforms = append(p.Transforms, t)
		}
	}

	aead, classic := 0, 0
	for _, t := range p.ofType(TypeEncr) {
		if IsAEAD(t) {
			aead++
		} else {
			classic++
		}
	}
	switch {
	case aead == 0 && classic == 0:
		return Proposal{}, perr("", "no encryption algorithm")
	case aead > 0 && classic > 0:
		return Proposal{}, perr("", "AEAD and non-AEAD encryption algorithms cannot be mixed")
	}
	if !esp && len(p.ofType(TypePRF)) == 0 {
		for _, t := range p.ofType(TypeInteg) {
			p.Transforms = append(p.Transforms, Transform{Type: TypePRF, ID: prfForInteg(t.ID)})
		}
		if len(p.ofType(TypePRF)) == 0 {
			return Proposal{}, perr("", "a PRF (prfsha256, prfsha384, prfsha512 or an integrity algorithm) is needed in an IKE proposal")
		}
	}
	if aead > 0 {
		p.Transforms = slices.DeleteFunc(p.Transforms, func(t Transform) bool { return t.Type == TypeInteg })
	} else if len(p.ofType(TypeInteg)) == 0 {
		return Proposal{}, perr("", "an integrity algorithm is needed with a non-AEAD cipher")
	}
	if !esp {
		p.Transforms = slices.DeleteFunc(p.Transforms, func(t Transform) bool { return t.Type == TypeKE && t.ID == KENone })
	}
	if !esp && len(p.ofType(TypeKE)) == 0 {
		return Proposal{}, perr("", "a key exchange method is needed in an IKE proposal")
	}
	for n := 1; n <= MaxAddKE; n++ {
		ts := p.ofType(TypeAddKE(n))
		if len(ts) == 0 {
			continue
		}
		// RFC 9370 §2.2.1: the additional exchanges follow the first one;
		// without it they have nothing to add to.
		if ke := p.ofType(TypeKE); len(ke) == 0 || (len(ke) == 1 && ke[0].ID == KENone) {
			return Proposal{}, perr(ts[0].String(), "an additional key exchange needs a key exchange method")
		}
	}
	if esp && len(p.ofType(TypeESN)) == 0 {
		p.Transforms = append(p.Transforms, Transform{Type: TypeESN, ID: ESNNo})
	}
	slices.SortStableFunc(p.Transforms, func(a, b Transform) int {
		return typeRank(a.Type) - typeRank(b.Type)
	})
	return p, nil
}

// String returns the proposal in strongSwan syntax; ParseProposal of the result
// yields the same proposal.
func (p Proposal) String() string {
	var b strings.Builder
	for i, t := range p.Transforms {
		if i > 0 {
			b.WriteByte('-')
		}
		b.WriteString(t.String())
	}
	return b.String()
}

// Of returns the transforms of type typ in order of preference.
func (p Proposal) Of(typ TransformType) []Transform { return p.ofType(typ) }

func (p Proposal) ofType(typ TransformType) []Transform {
	var out []Transform
	for _, t := range p.Transforms {
		if t.Type == typ {
			out = append(out, t)
		}
	}
	return out
}

// typeRank orders transform types as strongSwan prints them.
func typeRank(t TransformType) int {
	switch t {
	case TypeEncr:
		return 0
	case TypeInteg:
		return 1
	case TypePRF:
		return 2
	case TypeKE:
		return 3
	case TypeESN:
		return 4 + MaxAddKE
	}
	if n := t.AddKEIndex(); n != 0 {
		return 3 + n
	}
	return 5 + MaxAddKE
}

// withoutAddKEPrefix strips the "keN_" of an additional key exchange
// keyword, so that "ke1_modp1024" is refused for the reason "modp1024" is.
func withoutAddKEPrefix(kw string) string {
	if len(kw) > 4 && kw[0] == 'k' && kw[1] == 'e' && kw[2] >= '1' && kw[2] <= '9' && kw[3] == '_' {
		return kw[4:]
	}
	return kw
}

// keHybridOK tells whether a method may serve as an additional key exchange.
func keHybridOK(id TransformID) bool { return Supported(Transform{Type: TypeKE, ID: id}) }

// IsKEM tells whether a key exchange method is a key encapsulation
// mechanism (ML-KEM), whose responder answers with a ciphertext rather than
// a public key of its own.
func IsKEM(id TransformID) bool {
	return id == KEMLKEM512 || id == KEMLKEM768 || id == KEMLKEM1024
}

// KEName returns the name of a key exchange method as a person reads it in
// a status: "ML-KEM-768" for ML-KEM, the strongSwan keyword otherwise.
func KEName(id TransformID) string {
	switch id {
	case KEMLKEM512:
		return "ML-KEM-512"
	case KEMLKEM768:
		return "ML-KEM-768"
	case KEMLKEM1024:
		return "ML-KEM-1024"
	}
	return Transform{Type: TypeKE, ID: id}.String()
}

// AddKEs returns the additional key exchange methods of a negotiated
// proposal, one transform per type, in the order of their types
// (ADDKE1 first), leaving out NONE: the exchanges to run after the first
// one (RFC 9370 §2.2.1).
func (p Proposal) AddKEs() []TransformID {
	var out []TransformID
	for n := 1; n <= MaxAddKE; n++ {
		if ts := p.ofType(TypeAddKE(n)); len(ts) > 0 && ts[0].ID != KENone {
			out = append(out, ts[0].ID)
		}
	}
	return out
}

// KeyExchanges describes the key exchanges of a negotiated proposal for a
// status, the first one followed by the additional ones:
// "x25519 + ML-KEM-768". It is empty when the proposal has none.
func (p Proposal) KeyExchanges() string {
	var names []string
	if ts := p.ofType(TypeKE); len(ts) > 0 && ts[0].ID != KENone {
		names = append(names, KEName(ts[0].ID))
	}
	for _, id := range p.AddKEs() {
		names = append(names, KEName(id))
	}
	return strings.Join(names, " + ")
}

// prfForInteg maps an HMAC integrity algorithm to the PRF on the same hash, as
// strongSwan does for IKE proposals without a prf keyword.
func prfForInteg(id TransformID) TransformID {
	switch id {
	case IntegHMACSHA2_384_192:
		return PRFHMACSHA2_384
	case IntegHMACSHA2_512_256:
		return PRFHMACSHA2_512
	}
	return PRFHMACSHA2_256
}

// DefaultIKE returns the IKE proposals offered when a profile names none: a
// hybrid one first, an elliptic curve exchange followed by ML-KEM in
// IKE_INTERMEDIATE (RFC 9370), against traffic recorded now and decrypted
// once a quantum computer exists; then AEAD and AES-CBC with HMAC-SHA2,
// each with the key exchange methods strongSwan 5.9 also accepts by
// default. A gateway without RFC 9370 finds no acceptable transform of the
// additional key exchange type in the first proposal and picks one of the
// others (RFC 7296 §3.3.6); as all start with x25519, that costs no
// INVALID_KE_PAYLOAD round trip.
func DefaultIKE() []Proposal {
	return mustParse(false,
		"aes256gcm16-aes128gcm16-chacha20poly1305-prfsha384-prfsha256-prfsha512-"+defaultHybridKE,
		"aes256gcm16-aes128gcm16-chacha20poly1305-prfsha384-prfsha256-prfsha512-"+defaultKE,
		"aes256-aes128-sha256-sha384-sha512-"+defaultKE,
	)
}

// DefaultESP returns the ESP proposals offered when a profile names none. They
// offer ESN and 32-bit sequence numbers so the gateway's choice decides, and
// PFS with the key exchange methods of DefaultIKE followed by NONE: a rekey
// then works with a gateway that wants no PFS, optional PFS or PFS with one
// of those methods, whichever side starts it (RFC 7296 §1.3, §3.3.3). The
// Child SA of IKE_AUTH never carries a key exchange (§1.2).
func DefaultESP() []Proposal {
	return mustParse(true,
		"aes256gcm16-aes128gcm16-chacha20poly1305-"+defaultKE+"-modpnone-esn-noesn",
		"aes256-aes128-sha256-sha384-sha512-"+defaultKE+"-modpnone-esn-noesn",
	)
}

// defaultHybridKE lists the key exchange methods of the hybrid default
// proposal: the first exchange, then ML-KEM as the first additional one.
const defaultHybridKE = "x25519-ecp256-ecp384-ke1_mlkem768-ke1_mlkem1024"

// defaultKE lists the key exchange methods of the default proposals, in
// order of preference.
const defaultKE = "x25519-ecp256-ecp384-modp3072-modp2048"

func mustParse(esp bool, ss ...string) []Proposal {
	out := make([]Proposal, len(ss))
	for i, s := range ss {
		p, err := ParseProposal(s, esp)
		if err != nil {
			panic(err)
		}
		out[i] = p
	}
	return out
}
