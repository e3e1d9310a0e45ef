package wire

import (
	"encoding/binary"
	"fmt"
)

// SecurityAssociation is the Security Association payload (RFC 7296 §3.3): the
// proposals a sender offers, or the single one a responder chose.
type SecurityAssociation struct {
	Proposals []Proposal
}

// Proposal is a Proposal substructure (RFC 7296 §3.3.1). SPI is empty in an
// initial IKE_SA_INIT, 8 bytes for an IKE SA rekey and 4 bytes for ESP/AH.
type Proposal struct {
	Number     uint8
	Protocol   ProtocolID
	SPI        []byte
	Transforms []Transform
}

// Markers of the Last Substruc fields (RFC 7296 §3.3.1, §3.3.2).
const (
	lastSubstruc     = 0
	moreProposals    = 2
	moreTransforms   = 3
	proposalFixedLen = 8
	transformMinLen  = 8
)

// Type returns PayloadSA.
func (sa *SecurityAssociation) Type() PayloadType { return PayloadSA }

// AppendBody appends the proposals.
func (sa *SecurityAssociation) AppendBody(b []byte) ([]byte, error) {
	start := len(b)
	for i := range sa.Proposals {
		p := &sa.Proposals[i]
		if len(p.SPI) > 0xff || len(p.Transforms) > 0xff {
			return b[:start], invalid("proposal %d: SPI of %d bytes, %d transforms", p.Number, len(p.SPI), len(p.Transforms))
		}
		mark := byte(moreProposals)
		if i == len(sa.Proposals)-1 {
			mark = lastSubstruc
		}
		ps := len(b)
		b = append(b, mark, 0, 0, 0, p.Number, byte(p.Protocol), byte(len(p.SPI)), byte(len(p.Transforms)))
		b = append(b, p.SPI...)
		for j := range p.Transforms {
			var err error
			if b, err = p.Transforms[j].appendTo(b, j == len(p.Transforms)-1); err != nil {
				return b[:start], err
			}
		}
		if len(b)-ps > 0xffff {
			return b[:start], invalid("proposal %d of %d bytes", p.Number, len(b)-ps)
		}
		binary.BigEndian.PutUint16(b[ps+2:], uint16(len(b)-ps))
	}
	return b, nil
}

func parseSecurityAssociation(b []byte) (*SecurityAssociation, error) {
	sa := &SecurityAssociation{}
	for last := len(b) == 0; !last; {
		if len(b) < proposalFixedLen {
			return nil, truncated("proposal", proposalFixedLen, len(b))
		}
		switch b[0] {
		case lastSubstruc:
			last = true
		case moreProposals:
		default:
			return nil, malformed("proposal marker %d", b[0])
		}
		n := int(binary.BigEndian.Uint16(b[2:4]))
		if n < proposalFixedLen {
			return nil, malformed("proposal length %d", n)
		}
		if n > len(b) {
			return nil, truncated("proposal", n, len(b))
		}
		p, err := parseProposal(b[:n])
		if err != nil {
			return nil, err
		}
		sa.Proposals = append(sa.Proposals, p)
		b = b[n:]
	}
	if len(b) != 0 {
		return nil, malformed("%d bytes after the last proposal", len(b))
	}
	return sa, nil
}

// parseProposal parses one proposal substructure, b being exactly its length.
func parseProposal(b []byte) (Proposal, error) {
	p := Proposal{Number: b[4], Protocol: ProtocolID(b[5])}
	spiLen, count := int(b[6]), int(b[7])
	b = b[proposalFixedLen:]
	if spiLen > len(b) {
		return p, truncated("proposal SPI", spiLen, len(b))
	}
	p.SPI, b = b[:spiLen], b[spiLen:]
	p.Transforms = make([]Transform, 0, min(count, len(b)/transformMinLen))
	for i := 0; i < count; i++ {
		if len(b) < transformMinLen {
			return p, truncated("transform", transformMinLen, len(b))
		}
		want := byte(moreTransforms)
		if i == count-1 {
			want = lastSubstruc
		}
		if b[0] != want {
			return p, malformed("proposal %d: transform %d of %d has marker %d", p.Number, i+1, count, b[0])
		}
		n := int(binary.BigEndian.Uint16(b[2:4]))
		if n < transformMinLen {
			return p, malformed("transform length %d", n)
		}
		if n > len(b) {
			return p, truncated("transform", n, len(b))
		}
		t, err := parseTransform(b[:n])
		if err != nil {
			return p, err
		}
		p.Transforms = append(p.Transforms, t)
		b = b[n:]
	}
	if len(b) != 0 {
		return p, malformed("proposal %d: %d bytes after %d transforms", p.Number, len(b), count)
	}
	return p, nil
}

// String renders the proposal like strongSwan's logs, e.g.
// "ESP:ENCR(20,128)/ESN(0)", with the SPI in hex when present.
func (p Proposal) String() string {
	s := fmt.Sprintf("#%d %v", p.Number, p.Protocol)
	if len(p.SPI) > 0 {
		s += fmt.Sprintf(" spi %x", p.SPI)
	}
	for i, t := range p.Transforms {
		sep := "/"
		if i == 0 {
			sep = ":"
		}
		s += sep + t.Suite().String()
	}
	return s
}
