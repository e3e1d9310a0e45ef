package testnet

import (
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// charonPath is where Debian's strongswan-charon installs the daemon.
const charonPath = "/usr/lib/ipsec/charon"

// charonPlugins load in this order: kernel-libipsec must come before
// kernel-netlink, so that ESP is handled in userland (the kernels here have no
// in-kernel ESP); that backend then forces UDP encapsulation.
var charonPlugins = []string{
	"random", "nonce", "openssl", "aes", "sha1", "sha2", "md5", "hmac", "gcm", "chapoly",
	"curve25519", "kdf", "pem", "pkcs1", "pkcs8", "pkcs12", "x509", "constraints",
	"pubkey", "kernel-libipsec", "kernel-netlink", "socket-default", "vici", "updown",
	"eap-identity", "eap-mschapv2", "eap-tls", "resolve",
}

// Conn is one swanctl connection with a single Child SA of the same name.
type Conn struct {
	Name string
	// LocalAuth and RemoteAuth are swanctl auth values: psk, pubkey, eap-mschapv2, eap-tls.
	LocalAuth, RemoteAuth string
	LocalID, RemoteID     string
	// LocalCert, when set, is sent to authenticate this side.
	LocalCert *Identity
	// RemoteAddrs is the peer to initiate to (client side); empty accepts any.
	RemoteAddrs string
	// Proposals in strongSwan syntax; empty means strongSwan's defaults.
	IKEProposals, ESPProposals []string
	LocalTS, RemoteTS          []string
	// Pools names the address pools handed out (gateway side): "v4", "v6".
	Pools []string
	// VIPs requests virtual IPs (client side), e.g. "0.0.0.0", "::".
	VIPs []string
	// Durations in swanctl syntax ("30s", "1h"); empty keeps the defaults.
	RekeyTime, ChildRekeyTime, DPDDelay string
	// Extra lines go verbatim into the connection block, ChildExtra into the child.
	Extra, ChildExtra []string
}

// Secret is a shared secret (IKE PSK or EAP password) for some identities.
type Secret struct {
	Kind   string // "ike" or "eap"
	IDs    []string
	Secret string
}

// CharonConfig is what a strongSwan charon runs with.
type CharonConfig struct {
	Conns   []Conn
	Secrets []Secret
	// CA signs the peers' certificates; Key signs this side's (the key of
	// LocalCert in the connections, one for all).
	CA  *Identity
	Key *Identity
	// DNS servers announced with the pools.
	DNS []string
	// StrongSwan is the installation to run; nil runs the system's.
	StrongSwan *StrongSwan
	// KeyLog raises the log levels to those at which charon logs key
	// material: the key exchange secrets, SKEYSEED, the SK_* keys, the
	// Child SA keys and the IKE_INTERMEDIATE IntAuth values (ike 4, chd 4),
	// each line naming its IKE SA.
	KeyLog bool
	// PoolAttrs are more attributes of the IPv4 pool, as swanctl.conf
	// lines: "25 = corp.example" sends INTERNAL_DNS_DOMAIN (RFC 8598),
	// by its number.
	PoolAttrs []string
	// PoolV4 replaces the IPv4 pool PoolV4, for a second gateway.
	PoolV4 netip.Prefix
}

// Charon is a strongSwan daemon running in a namespace, controlled over vici.
type Charon struct {
	Dir  string
	ns   *Namespace
	proc *Process
	ss   *StrongSwan
	t    T
}

// StartCharon writes cfg into a fresh directory and starts a charon inside ns
// with its own /run (so that several charons can run side by side), loads the
// configuration with swanctl and stops the daemon when the test ends.
func StartCharon(t T, ns *Namespace, cfg CharonConfig) *Charon {
	t.Helper()
	if cfg.StrongSwan == nil {
		RequireRoot(t, charonPath, "swanctl")
	} else {
		RequireRoot(t, cfg.StrongSwan.charon(), cfg.StrongSwan.swanctl())
	}
	dir, err := os.MkdirTemp("", "espresso-charon-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			if b, err := os.ReadFile(filepath.Join(dir, "charon.log")); err == nil {
				t.Logf("charon log of %s:\n%s", ns.Name, tail(string(b), 80))
			}
		}
		os.RemoveAll(dir)
	})
	c := &Charon{Dir: dir, ns: ns, ss: cfg.StrongSwan, t: t}
	if err := c.writeConfig(cfg); err != nil {
		t.Fatal(err)
	}
	// A build of our own keeps its PID file in its prefix: that directory
	// is made private to the daemon too.
	mounts := "mount -t tmpfs none /run"
	if d := cfg.StrongSwan.piddir(); d != "" {
		mounts += " && mount -t tmpfs none " + d
	}
	cmd := ns.Command("unshare", "--mount", "--propagation", "private", "sh", "-c",
		mounts+" && exec "+cfg.StrongSwan.charon())
	cmd.Env = append(os.Environ(), "STRONGSWAN_CONF="+filepath.Join(dir, "strongswan.conf"))
	c.proc = Start(t, cmd, filepath.Join(dir, "charon.out"))
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := c.Swanctl("--stats")
		if err == nil {
			break
		}
		if c.proc.Exited() || time.Now().After(deadline) {
			out, _ := os.ReadFile(filepath.Join(dir, "charon.out"))
			t.Fatalf("charon (%v) in %s did not start: %v %s", cfg.StrongSwan, ns.Name, err, out)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if out, err := c.Swanctl("--load-all", "--noprompt", "--file", filepath.Join(dir, "swanctl.conf")); err != nil {
		t.Fatalf("swanctl --load-all: %v\n%s", err, out)
	}
	return c
}

// Swanctl runs swanctl against this daemon: args[0] is the command (such as
// "--list-sas"), the rest its options.
func (c *Charon) Swanctl(args ...string) (string, error) {
	full := append([]string{args[0], "--uri", "unix://" + filepath.Join(c.Dir, "charon.vici")}, args[1:]...)
	cmd := exec.Command(c.ss.swanctl(), full...)
	cmd.Env = append(os.Environ(), "SWANCTL_DIR="+c.Dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("swanctl %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return string(out), nil
}

// ListSAs returns `swanctl --list-sas`.
func (c *Charon) ListSAs() string {
	out, err := c.Swanctl("--list-sas")
	if err != nil {
		c.t.Logf("list-sas: %v", err)
	}
	return out
}

var childCounters = regexp.MustCompile(`(?m)^\s+(in|out)\s+[0-9a-f]{8}.*?(\d+) bytes,\s+(\d+) packets`)

// ChildPackets sums the inbound and outbound packet counters of every Child SA
// in the output of swanctl --list-sas.
func ChildPackets(listSAs string) (in, out int) {
	for _, m := range childCounters.FindAllStringSubmatch(listSAs, -1) {
		n, _ := strconv.Atoi(m[3])
		if m[1] == "in" {
			in += n
		} else {
			out += n
		}
	}
	return in, out
}

// Log returns the daemon's log so far.
func (c *Charon) Log() string {
	b, _ := os.ReadFile(filepath.Join(c.Dir, "charon.log"))
	return string(b)
}

// Process is the daemon's process, for tests that kill or restart it.
func (c *Charon) Process() *Process { return c.proc }

func (c *Charon) writeConfig(cfg CharonConfig) error {
	for _, sub := range []string{"x509", "x509ca", "pkcs8", "conf.d"} {
		if err := os.MkdirAll(filepath.Join(c.Dir, sub), 0o700); err != nil {
			return err
		}
	}
	files := map[string][]byte{
		"strongswan.conf": []byte(strongswanConf(c.Dir, cfg.StrongSwan.plugins(), cfg.KeyLog)),
		"swanctl.conf":    []byte(swanctlConf(cfg)),
	}
	if cfg.CA != nil {
		files["x509ca/ca.pem"] = cfg.CA.CertPEM()
	}
	if cfg.Key != nil {
		files["pkcs8/local.key"] = cfg.Key.KeyPEM()
	}
	for i, conn := range cfg.Conns {
		if conn.LocalCert != nil {
			files[fmt.Sprintf("x509/local-%d.pem", i)] = conn.LocalCert.CertPEM()
		}
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(c.Dir, name), b, 0o600); err != nil {
			return err
		}
	}
	return nil
}

func strongswanConf(dir string, plugins []string, keyLog bool) string {
	// flush_line leaves no line in a buffer when a test reads the log.
	levels := "flush_line = yes\n\t\t\tike = 2\n\t\t\tcfg = 2\n\t\t\tknl = 2"
	if keyLog {
		// ike_name prefixes each line with its IKE SA ("<home|1> "), as
		// the known-answer logs read by ipsec/internal/charonlog have it.
		levels = "ike_name = yes\n\t\t\tflush_line = yes\n\t\t\tike = 4\n\t\t\tchd = 4\n\t\t\tcfg = 2\n\t\t\tknl = 2"
	}
	return fmt.Sprintf(`charon {
	load = %s
	retransmit_timeout = 2
	retransmit_tries = 3
	filelog {
		log {
			path = %s/charon.log
			time_format = %%H:%%M:%%S
			default = 1
			%s
		}
	}
	plugins {
		vici {
			socket = unix://%s/charon.vici
		}
		resolve {
			file = %s/resolv.conf
		}
	}
}
`, strings.Join(plugins, " "), dir, levels, dir, dir)
}

func swanctlConf(cfg CharonConfig) string {
	var b strings.Builder
	b.WriteString("connections {\n")
	for i, c := range cfg.Conns {
		fmt.Fprintf(&b, "\t%s {\n\t\tversion = 2\n\t\tfragmentation = yes\n\t\tsend_certreq = yes\n", c.Name)
		opt(&b, 2, "remote_addrs", c.RemoteAddrs)
		opt(&b, 2, "proposals", strings.Join(c.IKEProposals, ","))
		opt(&b, 2, "pools", strings.Join(c.Pools, ","))
		opt(&b, 2, "vips", strings.Join(c.VIPs, ","))
		opt(&b, 2, "rekey_time", c.RekeyTime)
		opt(&b, 2, "dpd_delay", c.DPDDelay)
		for _, l := range c.Extra {
			fmt.Fprintf(&b, "\t\t%s\n", l)
		}
		b.WriteString("\t\tlocal {\n")
		opt(&b, 3, "auth", c.LocalAuth)
		opt(&b, 3, "id", c.LocalID)
		if c.LocalCert != nil {
			opt(&b, 3, "certs", fmt.Sprintf("local-%d.pem", i))
		}
		b.WriteString("\t\t}\n\t\tremote {\n")
		opt(&b, 3, "auth", c.RemoteAuth)
		remoteID := c.RemoteID
		if remoteID == "" {
			remoteID = "%any"
		}
		opt(&b, 3, "id", remoteID)
		if c.RemoteAuth == "eap-mschapv2" || c.RemoteAuth == "eap-tls" {
			opt(&b, 3, "eap_id", "%any")
		}
		fmt.Fprintf(&b, "\t\t}\n\t\tchildren {\n\t\t\t%s {\n", c.Name)
		opt(&b, 4, "local_ts", strings.Join(c.LocalTS, ","))
		opt(&b, 4, "remote_ts", strings.Join(c.RemoteTS, ","))
		opt(&b, 4, "esp_proposals", strings.Join(c.ESPProposals, ","))
		opt(&b, 4, "rekey_time", c.ChildRekeyTime)
		for _, l := range c.ChildExtra {
			fmt.Fprintf(&b, "\t\t\t\t%s\n", l)
		}
		b.WriteString("\t\t\t}\n\t\t}\n\t}\n")
	}
	b.WriteString("}\n")
	pool4 := PoolV4
	if cfg.PoolV4.IsValid() {
		pool4 = cfg.PoolV4
	}
	fmt.Fprintf(&b, "pools {\n\tv4 {\n\t\taddrs = %s\n", pool4)
	opt(&b, 2, "dns", strings.Join(cfg.DNS, ","))
	for _, l := range cfg.PoolAttrs {
		fmt.Fprintf(&b, "\t\t%s\n", l)
	}
	fmt.Fprintf(&b, "\t}\n\tv6 {\n\t\taddrs = %s\n\t}\n}\n", PoolV6)
	b.WriteString("secrets {\n")
	for i, s := range cfg.Secrets {
		fmt.Fprintf(&b, "\t%s-%d {\n", s.Kind, i)
		for j, id := range s.IDs {
			fmt.Fprintf(&b, "\t\tid-%d = %s\n", j, id)
		}
		fmt.Fprintf(&b, "\t\tsecret = %q\n\t}\n", s.Secret)
	}
	b.WriteString("}\n")
	return b.String()
}

// opt writes "key = value" at the given depth unless value is empty.
func opt(b *strings.Builder, depth int, key, value string) {
	if value == "" {
		return
	}
	fmt.Fprintf(b, "%s%s = %s\n", strings.Repeat("\t", depth), key, value)
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
