package esp

import (
	"encoding/binary"
	"errors"
)

// HeaderLen is the length of the ESP header proper: SPI and sequence number
// (RFC 4303 §2).
const HeaderLen = 8

// Next header values (IANA protocol numbers) carried in the ESP trailer.
const (
	NextIPv4  = 4  // IPv4 in tunnel mode
	NextIPv6  = 41 // IPv6 in tunnel mode
	NextDummy = 59 // "no next header": a dummy packet (RFC 4303 §2.6)
)

// Errors returned by Open; the data path counts drops by them.
var (
	// ErrMalformed: too short, misaligned, or a bad trailer.
	ErrMalformed = errors.New("esp: malformed packet")
	// ErrAuth: the integrity check failed (RFC 4303 §3.4.4).
	ErrAuth = errors.New("esp: integrity check failed")
	// ErrPadding: padding bytes other than 1, 2, 3, ... (RFC 4303 §2.4).
	ErrPadding = errors.New("esp: bad padding")
	// ErrNoRoom: the caller's buffer lacks head- or tailroom for Seal.
	ErrNoRoom = errors.New("esp: no room in buffer")
)

// ParseHeader returns the SPI and the low 32 bits of the sequence number of
// an ESP packet (RFC 4303 §2.1, §2.2).
func ParseHeader(pkt []byte) (spi, seq uint32, ok bool) {
	if len(pkt) < HeaderLen {
		return 0, 0, false
	}
	return binary.BigEndian.Uint32(pkt), binary.BigEndian.Uint32(pkt[4:]), true
}
