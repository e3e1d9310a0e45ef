package keymat

// keyStream hands out the keys of a prf+ output in the order RFC 7296 §2.14
// (IKE SA) and §2.17 (Child SA) take them. Each piece has its capacity capped
// at its length, so an append to one key cannot write over the next.
type keyStream []byte

// next returns the following n bytes of the stream.
func (s *keyStream) next(n int) []byte {
	b := (*s)[:n:n]
	*s = (*s)[n:]
	return b
}
