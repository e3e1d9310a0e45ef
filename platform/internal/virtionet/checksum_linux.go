package virtionet

import (
	"encoding/binary"
	"math/bits"
)

// sum adds b to the one's complement sum acc (RFC 1071) and returns the
// new sum, not yet folded to 16 bits. Adding 64-bit words and folding at
// the end gives the same result as adding 16-bit words.
func sum(b []byte, acc uint64) uint64 {
	var c uint64
	for len(b) >= 32 {
		acc, c = bits.Add64(acc, binary.BigEndian.Uint64(b), c)
		acc, c = bits.Add64(acc, binary.BigEndian.Uint64(b[8:]), c)
		acc, c = bits.Add64(acc, binary.BigEndian.Uint64(b[16:]), c)
		acc, c = bits.Add64(acc, binary.BigEndian.Uint64(b[24:]), c)
		b = b[32:]
	}
	for len(b) >= 8 {
		acc, c = bits.Add64(acc, binary.BigEndian.Uint64(b), c)
		b = b[8:]
	}
	if len(b) >= 4 {
		acc, c = bits.Add64(acc, uint64(binary.BigEndian.Uint32(b)), c)
		b = b[4:]
	}
	if len(b) >= 2 {
		acc, c = bits.Add64(acc, uint64(binary.BigEndian.Uint16(b)), c)
		b = b[2:]
	}
	if len(b) == 1 {
		acc, c = bits.Add64(acc, uint64(b[0])<<8, c)
	}
	acc, c = bits.Add64(acc, 0, c)
	return acc + c // the end-around carry cannot carry again
}

// fold folds a sum to 16 bits.
func fold(acc uint64) uint16 {
	acc = (acc >> 32) + (acc & 0xffffffff)
	acc = (acc >> 32) + (acc & 0xffffffff)
	acc = (acc >> 16) + (acc & 0xffff)
	acc = (acc >> 16) + (acc & 0xffff)
	return uint16(acc)
}

// Checksum returns the Internet checksum (RFC 1071) of b, started from
// the unfolded sum initial (a pseudo-header's, or 0).
func Checksum(b []byte, initial uint64) uint16 {
	return ^fold(sum(b, initial))
}

// PseudoSum returns the sum of the TCP or UDP pseudo-header of a segment
// of length l4Len with protocol proto, between the addresses src and dst
// (4 bytes each for IPv4, RFC 793 §3.1 and RFC 768; 16 for IPv6, RFC 8200
// §8.1).
func PseudoSum(src, dst []byte, proto uint8, l4Len int) uint64 {
	return sum(dst, sum(src, uint64(proto)+uint64(l4Len)))
}
