package wire

import "fmt"

// AuthMethod is the Auth Method of an AUTH payload (RFC 7296 §3.8).
type AuthMethod uint8

// Authentication methods (RFC 7296 §3.8, RFC 4754, RFC 7619, RFC 7427).
const (
	AuthRSASignature     AuthMethod = 1  // RSASSA-PKCS1-v1_5 with SHA-1
	AuthSharedKeyMIC     AuthMethod = 2  // pre-shared key, §2.15
	AuthDSSSignature     AuthMethod = 3  // DSS with SHA-1
	AuthECDSASHA256P256  AuthMethod = 9  // RFC 4754
	AuthECDSASHA384P384  AuthMethod = 10 // RFC 4754
	AuthECDSASHA512P521  AuthMethod = 11 // RFC 4754
	AuthNull             AuthMethod = 13 // RFC 7619
	AuthDigitalSignature AuthMethod = 14 // RFC 7427
)

// String returns the RFC name of the method.
func (m AuthMethod) String() string {
	switch m {
	case AuthRSASignature:
		return "RSA Digital Signature"
	case AuthSharedKeyMIC:
		return "Shared Key Message Integrity Code"
	case AuthDSSSignature:
		return "DSS Digital Signature"
	case AuthECDSASHA256P256:
		return "ECDSA with SHA-256 on the P-256 curve"
	case AuthECDSASHA384P384:
		return "ECDSA with SHA-384 on the P-384 curve"
	case AuthECDSASHA512P521:
		return "ECDSA with SHA-512 on the P-521 curve"
	case AuthNull:
		return "NULL Authentication"
	case AuthDigitalSignature:
		return "Digital Signature"
	}
	return fmt.Sprintf("AUTH_METHOD(%d)", uint8(m))
}

// Authentication is the Authentication payload (RFC 7296 §3.8). For
// AuthDigitalSignature, Data starts with the ASN.1 length and
// AlgorithmIdentifier of RFC 7427 §3; that layer belongs to the signer.
type Authentication struct {
	Method AuthMethod
	Data   []byte
}

// Type returns PayloadAUTH.
func (a *Authentication) Type() PayloadType { return PayloadAUTH }

// AppendBody appends the method, the reserved octets and the data.
func (a *Authentication) AppendBody(b []byte) ([]byte, error) {
	return append(append(b, byte(a.Method), 0, 0, 0), a.Data...), nil
}

func parseAuthentication(b []byte) (*Authentication, error) {
	if len(b) < 4 {
		return nil, truncated("AUTH payload", 4, len(b))
	}
	return &Authentication{Method: AuthMethod(b[0]), Data: b[4:]}, nil
}
