// Package sswan converts strongSwan's .sswan VPN profiles (the JSON files
// the strongSwan Android client imports) into Espresso profiles.
//
// Every key that has a counterpart in an Espresso profile is mapped; a key
// that asks for something Espresso does not do (Android app selection,
// proxies, blocking one address family alone, RSASSA-PSS only, strict
// revocation checking, a second authentication round) is refused with an
// error naming it, rather than dropped, so nobody believes a setting is in
// force when it is not.
package sswan
