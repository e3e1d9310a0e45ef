// Package mschapv2 implements EAP-MSCHAPv2: the MS-CHAP-V2 computations of
// RFC 2759 §8 (NT-Response and the authenticator response that proves the
// gateway knows the password), the master keys of RFC 3079 §3, and the EAP
// method framing of draft-kamath-pppext-eap-mschapv2 as strongSwan's
// eap-mschapv2 plugin speaks it.
//
// MD4 and single DES are what the protocol is made of; they serve here only
// to compute its fixed responses, never to protect data. The MSK is laid
// out as strongSwan and RADIUS servers do: the authenticator's receive key,
// its send key, and 32 zero octets, 64 octets in all.
package mschapv2
