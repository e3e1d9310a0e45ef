package testnet

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
)

// StrongSwan is an installation of strongSwan a Charon runs from. The zero
// value, and a nil *StrongSwan, is the system's strongSwan 5.9.8 of
// Debian's packages.
type StrongSwan struct {
	// Version is the release ("6.0.6"); empty for the system's.
	Version string
	// Prefix is the installation's --prefix; empty for the system's.
	Prefix string
}

// strongswan6Script builds strongSwan 6 into its cache directory; it is the
// same file `make strongswan6` runs.
//
//go:embed strongswan6.sh
var strongswan6Script []byte

// charon6Plugins are the plugins of the build: openssl serves the ciphers,
// hashes and classical groups (strongSwan 6 no longer builds its own aes,
// sha2, gcm, curve25519... plugins beside it), ml ML-KEM, md4 EAP-MSCHAPv2.
// kernel-libipsec comes before kernel-netlink as in charonPlugins.
var charon6Plugins = []string{
	"random", "nonce", "drbg", "openssl", "ml", "md4", "kdf", "pem", "pkcs1", "pkcs8", "x509",
	"constraints", "pubkey", "kernel-libipsec", "kernel-netlink", "socket-default", "vici",
	"updown", "eap-identity", "eap-mschapv2", "eap-tls", "resolve",
}

var strongswan6 = struct {
	once sync.Once
	ss   *StrongSwan
	// skip is why the build cannot run here, err why it failed.
	skip string
	err  error
}{}

// StrongSwan6 returns strongSwan 6 built from its source tarball, building
// it first when the cache directory of that tarball has no build yet (see
// strongswan6.sh for the places and the environment variables that move
// them). It skips t, with the reason, only when the build cannot run here:
// no root, no tarball, no build tools. A build that fails fails t. One test
// process tries once.
func StrongSwan6(t T) *StrongSwan {
	t.Helper()
	RequireRoot(t)
	strongswan6.once.Do(func() {
		strongswan6.ss, strongswan6.skip, strongswan6.err = buildStrongSwan6()
	})
	switch {
	case strongswan6.skip != "":
		t.Skipf("skipping: strongSwan 6 cannot be built here: %s", strongswan6.skip)
	case strongswan6.err != nil:
		t.Fatalf("strongSwan 6: %v", strongswan6.err)
	}
	return strongswan6.ss
}

func buildStrongSwan6() (ss *StrongSwan, skip string, err error) {
	src := os.Getenv("ESPRESSO_STRONGSWAN6_SRC")
	if src == "" {
		root, err := moduleRoot()
		if err != nil {
			return nil, err.Error(), nil
		}
		src = filepath.Join(root, "..", "shared", "third_party", "strongswan-6.0.6-src.tar.gz")
	}
	src, _ = filepath.Abs(src)
	if _, err := os.Stat(src); err != nil {
		return nil, fmt.Sprintf("no source tarball (set ESPRESSO_STRONGSWAN6_SRC): %v", err), nil
	}
	version := tarballVersion(src)
	// The fast path: the script's own check, without running a shell.
	if prefix, ok := cachedStrongSwan6(src, version); ok {
		return &StrongSwan{Version: version, Prefix: prefix}, "", nil
	}
	script, err := os.CreateTemp("", "espresso-strongswan6-*.sh")
	if err != nil {
		return nil, "", err
	}
	defer os.Remove(script.Name())
	if _, err := script.Write(strongswan6Script); err != nil {
		script.Close()
		return nil, "", err
	}
	script.Close()
	cmd := exec.Command("bash", script.Name())
	cmd.Env = append(os.Environ(), "ESPRESSO_STRONGSWAN6_SRC="+src)
	var stderr strings.Builder
	cmd.Stderr = io.MultiWriter(&stderr, os.Stderr)
	out, err := cmd.Output()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee) && ee.ExitCode() == 2:
		return nil, strings.TrimSpace(stderr.String()), nil
	case err != nil:
		return nil, "", fmt.Errorf("build: %v: %s", err, tail(stderr.String(), 40))
	}
	prefix := strings.TrimSpace(string(out))
	if _, err := os.Stat(filepath.Join(prefix, "sbin", "swanctl")); err != nil {
		return nil, "", fmt.Errorf("build in %s: %v", prefix, err)
	}
	return &StrongSwan{Version: version, Prefix: prefix}, "", nil
}

// tarballVersion is the release in a tarball's name, as strongswan6.sh
// reads it: "strongswan-6.0.6-src.tar.gz" is 6.0.6.
func tarballVersion(src string) string {
	v := strings.TrimPrefix(filepath.Base(src), "strongswan-")
	for _, suffix := range []string{"-src.tar.gz", ".tar.gz", ".tar.bz2"} {
		v = strings.TrimSuffix(v, suffix)
	}
	return v
}

// cachedStrongSwan6 finds a complete build of the tarball src in the cache
// directory, as strongswan6.sh names it.
func cachedStrongSwan6(src, version string) (string, bool) {
	cache := os.Getenv("ESPRESSO_STRONGSWAN6_CACHE")
	if cache == "" {
		cache = "/var/cache/espresso-test"
	}
	f, err := os.Open(src)
	if err != nil {
		return "", false
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", false
	}
	prefix := filepath.Join(cache, "strongswan-"+version+"-"+hex.EncodeToString(h.Sum(nil)))
	if _, err := os.Stat(filepath.Join(prefix, ".complete")); err != nil {
		return "", false
	}
	return prefix, true
}

// moduleRoot is the directory of go.mod above the working directory, which
// is a package's directory under go test.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory (set ESPRESSO_STRONGSWAN6_SRC)")
		}
		dir = parent
	}
}

// charon is the daemon's path.
func (s *StrongSwan) charon() string {
	if s == nil || s.Prefix == "" {
		return charonPath
	}
	return filepath.Join(s.Prefix, "libexec", "ipsec", "charon")
}

// swanctl is the path of the installation's swanctl.
func (s *StrongSwan) swanctl() string {
	if s == nil || s.Prefix == "" {
		return "swanctl"
	}
	return filepath.Join(s.Prefix, "sbin", "swanctl")
}

// piddir is where the daemon keeps its PID file, mounted private to each
// daemon; empty for the system's, whose /run is.
func (s *StrongSwan) piddir() string {
	if s == nil || s.Prefix == "" {
		return ""
	}
	return filepath.Join(s.Prefix, "run")
}

func (s *StrongSwan) plugins() []string {
	if s == nil || s.Prefix == "" {
		return charonPlugins
	}
	return charon6Plugins
}

// String names the installation for messages: "strongSwan 6.0.6".
func (s *StrongSwan) String() string {
	if s == nil || s.Version == "" {
		return "the system's strongSwan"
	}
	return "strongSwan " + s.Version
}
