package profile

import (
	"fmt"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/ipsec/ike/creds"
)

// ErrP12Password is CheckMaterial's error when the password does not
// open a PKCS#12 bundle.
var ErrP12Password = creds.ErrWrongPassword

// CheckMaterial checks credential data before it goes into a profile, by
// the rules the helper applies when it takes the profile and when it
// connects: field is api.FieldCert or api.FieldCA (PEM certificates),
// api.FieldKey (a PEM private key) or api.FieldP12 (a PKCS#12 bundle as
// bytes, opened with password). The app runs it on the files a user
// chooses, which only the user may be able to read. Its error never
// quotes the data.
func CheckMaterial(field string, data []byte, password string) error {
	switch field {
	case api.FieldCert, api.FieldCA:
		return checkCerts(data)
	case api.FieldKey:
		return checkKey(data)
	case api.FieldP12:
		_, err := creds.ParsePKCS12(data, password)
		return contentError(err)
	}
	return fmt.Errorf("%s holds no credential", field)
}
