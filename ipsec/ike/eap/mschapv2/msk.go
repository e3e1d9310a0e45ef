package mschapv2

import "crypto/sha1"

// The constants of RFC 3079 §3.4.
const (
	magicMaster = "This is the MPPE Master Key"
	// magicClientSend is the client's send key and the server's receive key.
	magicClientSend = "On the client side, this is the send key; on the server side, it is the receive key."
	// magicClientReceive is the client's receive key and the server's send key.
	magicClientReceive = "On the client side, this is the receive key; on the server side, it is the send key."
)

// MSKLen is the length of the MSK: two 16-octet keys and 32 octets of
// zeros, as strongSwan's eap-mschapv2 plugin and RADIUS servers lay it out.
const MSKLen = 64

// masterKey is GetMasterKey (RFC 3079 §3.4): the first 16 octets of
// SHA-1(PasswordHashHash | NT-Response | Magic1).
func masterKey(hashHash [hashLen]byte, nt [ntResponseLen]byte) [16]byte {
	h := sha1.New()
	h.Write(hashHash[:])
	h.Write(nt[:])
	h.Write([]byte(magicMaster))
	var out [16]byte
	copy(out[:], h.Sum(nil))
	return out
}

// asymmetricStartKey is GetAsymmetricStartKey (RFC 3079 §3.4) for 128-bit
// keys: SHA-1(MasterKey | SHSpad1 | magic | SHSpad2), first 16 octets.
func asymmetricStartKey(master [16]byte, magic string) [16]byte {
	var pad1, pad2 [40]byte
	for i := range pad2 {
		pad2[i] = 0xf2
	}
	h := sha1.New()
	h.Write(master[:])
	h.Write(pad1[:])
	h.Write([]byte(magic))
	h.Write(pad2[:])
	var out [16]byte
	copy(out[:], h.Sum(nil))
	return out
}

// msk returns MasterReceiveKey | MasterSendKey | 32 zero octets, the keys
// named from the authenticator's side (strongSwan's GenerateMSK; hostapd
// and wpa_supplicant agree): the peer's send key comes first.
func msk(hashHash [hashLen]byte, nt [ntResponseLen]byte) []byte {
	m := masterKey(hashHash, nt)
	defer clear(m[:])
	recv := asymmetricStartKey(m, magicClientSend)
	send := asymmetricStartKey(m, magicClientReceive)
	out := make([]byte, MSKLen)
	copy(out, recv[:])
	copy(out[16:], send[:])
	clear(recv[:])
	clear(send[:])
	return out
}
