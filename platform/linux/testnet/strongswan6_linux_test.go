package testnet

import (
	"strings"
	"testing"
)

func TestTarballVersion(t *testing.T) {
	for in, want := range map[string]string{
		"/x/strongswan-6.0.6-src.tar.gz": "6.0.6",
		"strongswan-6.0.7.tar.gz":        "6.0.7",
		"strongswan-6.1.0.tar.bz2":       "6.1.0",
	} {
		if got := tarballVersion(in); got != want {
			t.Errorf("tarballVersion(%q) = %q, want %q", in, got, want)
		}
	}
}

// A build of our own runs from its prefix with the ML-KEM plugin; the
// system's from Debian's paths as before.
func TestStrongSwanPaths(t *testing.T) {
	var system *StrongSwan
	if system.charon() != charonPath || system.swanctl() != "swanctl" || system.piddir() != "" || len(system.plugins()) != len(charonPlugins) {
		t.Errorf("system strongSwan: %s %s %q", system.charon(), system.swanctl(), system.piddir())
	}
	ss := &StrongSwan{Version: "6.0.6", Prefix: "/cache/strongswan-6.0.6-ab"}
	if ss.charon() != "/cache/strongswan-6.0.6-ab/libexec/ipsec/charon" || ss.swanctl() != "/cache/strongswan-6.0.6-ab/sbin/swanctl" ||
		ss.piddir() != "/cache/strongswan-6.0.6-ab/run" {
		t.Errorf("strongSwan 6: %s %s %s", ss.charon(), ss.swanctl(), ss.piddir())
	}
	if p := strings.Join(ss.plugins(), " "); !strings.Contains(p, "kernel-libipsec kernel-netlink") || !strings.Contains(p, " ml") {
		t.Errorf("strongSwan 6 plugins: %s", p)
	}
	if ss.String() != "strongSwan 6.0.6" || system.String() != "the system's strongSwan" {
		t.Errorf("names %q %q", ss, system)
	}
}

func TestStrongswanConfKeyLog(t *testing.T) {
	plain := strongswanConf("/d", charonPlugins, false)
	keys := strongswanConf("/d", charon6Plugins, true)
	if strings.Contains(plain, "ike = 4") || !strings.Contains(plain, "ike = 2") {
		t.Errorf("default levels:\n%s", plain)
	}
	if !strings.Contains(keys, "ike = 4") || !strings.Contains(keys, "chd = 4") || !strings.Contains(keys, " ml") {
		t.Errorf("key log levels:\n%s", keys)
	}
}
