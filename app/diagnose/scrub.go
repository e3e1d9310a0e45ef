package diagnose

import (
	"encoding/json"
	"strings"
)

// Stored replaces a secret in a bundle: the profile has one, and that is
// all the bundle says of it.
const Stored = "stored"

// secretKeys are the profile keys that hold secrets (or, for p12, a
// private key). The helper never serves them; Scrub replaces them all the
// same, should a helper of another version do so.
var secretKeys = map[string]bool{
	"psk": true, "key": true, "p12": true, "p12_password": true, "password": true,
}

// Scrub returns the profile as indented JSON without any secret: each
// secret key, and each key named "*_secret", becomes "stored" when it has
// a value, and each "has_X" that is true becomes "X": "stored".
func Scrub(p any) ([]byte, error) {
	raw, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	for k, v := range m {
		switch {
		case strings.HasPrefix(k, "has_"):
			delete(m, k)
			if v == true {
				m[strings.TrimPrefix(k, "has_")] = Stored
			}
		case secretKeys[k] || strings.HasSuffix(k, "_secret"):
			if v != nil && v != "" && v != false {
				m[k] = Stored
			}
		}
	}
	out, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}
