package wire

import (
	"encoding/binary"
	"fmt"
	"strings"
)

// HeaderLen is the length of the IKE header (RFC 7296 §3.1).
const HeaderLen = 28

// Flags are the flag bits of the IKE header (RFC 7296 §3.1).
type Flags uint8

// Header flags (RFC 7296 §3.1). Other bits are reserved: sent as zero,
// ignored on receipt, and kept by the parser so a message re-encodes
// unchanged.
const (
	FlagInitiator Flags = 0x08 // I: sent by the original initiator of the IKE SA
	FlagVersion   Flags = 0x10 // V: the sender can speak a higher major version
	FlagResponse  Flags = 0x20 // R: this message is a response
)

// Has reports whether every bit of x is set in f.
func (f Flags) Has(x Flags) bool { return f&x == x }

// String lists the set flags by their RFC letters, e.g. "IR".
func (f Flags) String() string {
	var s strings.Builder
	for _, x := range []struct {
		f Flags
		c byte
	}{{FlagInitiator, 'I'}, {FlagVersion, 'V'}, {FlagResponse, 'R'}} {
		if f.Has(x.f) {
			s.WriteByte(x.c)
		}
	}
	if rest := f &^ (FlagInitiator | FlagVersion | FlagResponse); rest != 0 {
		fmt.Fprintf(&s, "+%#02x", uint8(rest))
	}
	return s.String()
}

// Version numbers of the protocol this package speaks (RFC 7296 §3.1).
const (
	MajorVersion = 2
	MinorVersion = 0
)

// Header is the IKE header (RFC 7296 §3.1).
type Header struct {
	SPIi, SPIr   uint64
	NextPayload  PayloadType
	MajorVersion uint8
	MinorVersion uint8
	ExchangeType ExchangeType
	Flags        Flags
	MessageID    uint32
	// Length is the length of the whole message, header included.
	// Message.AppendTo computes it; AppendTo writes it as given.
	Length uint32
}

// ParseHeader parses the IKE header at the start of b. With a major version
// other than 2 it returns the parsed header and an error wrapping
// ErrInvalidMajorVersion, so the caller can answer as RFC 7296 §1.5 asks.
func ParseHeader(b []byte) (Header, error) {
	if len(b) < HeaderLen {
		return Header{}, truncated("IKE header", HeaderLen, len(b))
	}
	h := Header{
		SPIi:         binary.BigEndian.Uint64(b[0:8]),
		SPIr:         binary.BigEndian.Uint64(b[8:16]),
		NextPayload:  PayloadType(b[16]),
		MajorVersion: b[17] >> 4,
		MinorVersion: b[17] & 0x0f,
		ExchangeType: ExchangeType(b[18]),
		Flags:        Flags(b[19]),
		MessageID:    binary.BigEndian.Uint32(b[20:24]),
		Length:       binary.BigEndian.Uint32(b[24:28]),
	}
	if h.MajorVersion != MajorVersion {
		return h, fmt.Errorf("%w: %d", ErrInvalidMajorVersion, h.MajorVersion)
	}
	if h.Length < HeaderLen {
		return h, malformed("IKE header length %d", h.Length)
	}
	return h, nil
}

// AppendTo appends the encoded header to b.
func (h *Header) AppendTo(b []byte) []byte {
	b = binary.BigEndian.AppendUint64(b, h.SPIi)
	b = binary.BigEndian.AppendUint64(b, h.SPIr)
	b = append(b, byte(h.NextPayload), h.MajorVersion<<4|h.MinorVersion&0x0f, byte(h.ExchangeType), byte(h.Flags))
	b = binary.BigEndian.AppendUint32(b, h.MessageID)
	return binary.BigEndian.AppendUint32(b, h.Length)
}

// IsResponse reports whether the R flag is set.
func (h *Header) IsResponse() bool { return h.Flags.Has(FlagResponse) }

// IsInitiator reports whether the I flag is set: the sender is the original
// initiator of the IKE SA.
func (h *Header) IsInitiator() bool { return h.Flags.Has(FlagInitiator) }
