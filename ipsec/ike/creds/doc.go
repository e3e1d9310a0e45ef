// Package creds loads what a profile names for certificate authentication:
// our certificate chain and private key from PEM (PKCS#1, PKCS#8 and SEC1
// keys) or from a PKCS#12 file, and the CAs that sign the gateway's
// certificate, each given as its content: reading a file is the caller's
// business (helper/profile opens them with care).
//
// Problems a user can fix come back as typed errors: a wrong PKCS#12
// password, a key that does not belong to the certificate, and (through
// Credential.Check) a certificate that is expired, not yet valid, not meant
// for IKE or not issued by the CA, which wrap the sentinels of package auth
// so that the GUI words them the same way as for the gateway's certificate.
package creds
