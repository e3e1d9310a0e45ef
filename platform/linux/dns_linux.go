package linux

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/espressovpn/espresso/platform"
)

const (
	dnsModeResolved = "resolved"
	dnsModeFile     = "file"

	// resolvectlTimeout bounds each resolvectl run; resolved answers in
	// milliseconds unless it is hung.
	resolvectlTimeout = 10 * time.Second
)

// dnsManager applies a connection's DNS settings and undoes them.
// systemd-resolved keeps each connection's settings on its own link; the
// one resolver file holds those of every connection that uses it, on top
// of the original, so that each connection's end takes away its own
// lines only and the last one restores the original.
type dnsManager struct {
	mode       DNSMode
	resolvConf string
	stateDir   string
	runner     Runner

	mu sync.Mutex
	// files are the connections in the resolver file, in the order they
	// were written, with their settings.
	files []fileDNS
}

// fileDNS is one connection's part of the resolver file.
type fileDNS struct {
	name string
	dns  platform.DNSConfig
}

// chooseMode resolves DNSAuto: systemd-resolved only takes per-link
// servers into account when the system's resolv.conf points at its stub.
func (m *dnsManager) chooseMode() string {
	switch m.mode {
	case DNSResolved:
		return dnsModeResolved
	case DNSFile:
		return dnsModeFile
	}
	if _, err := exec.LookPath("resolvectl"); err != nil {
		return dnsModeFile
	}
	if target, err := filepath.EvalSymlinks(m.resolvConf); err == nil && strings.HasPrefix(target, "/run/systemd/resolve/") {
		return dnsModeResolved
	}
	if b, err := os.ReadFile(m.resolvConf); err == nil && bytes.Contains(b, []byte("nameserver 127.0.0.53")) {
		return dnsModeResolved
	}
	return dnsModeFile
}

// apply makes the DNS settings of tunnel name (device dev) match d. save
// persists rec; it is called before any change so that Recover can undo
// it. route is true when a selector is a default route, so that every
// query, not only those under d.Domains, goes to the tunnel's servers.
func (m *dnsManager) apply(rec *record, save func() error, name, dev string, d platform.DNSConfig, route bool) error {
	if d.IsZero() {
		if rec.DNS == nil {
			return nil
		}
		if err := m.revert(name, rec.DNS); err != nil {
			return err
		}
		rec.DNS = nil
		return save()
	}
	if rec.DNS == nil {
		r := &dnsRecord{Mode: m.chooseMode()}
		if r.Mode == dnsModeResolved {
			r.Link = dev
		} else if err := m.backup(r, name); err != nil {
			return err
		}
		rec.DNS = r
		if err := save(); err != nil {
			return err
		}
	}
	if rec.DNS.Mode == dnsModeResolved {
		return m.resolvectl(resolvedCommands(rec.DNS.Link, d, route))
	}
	return m.writeFile(rec.DNS, name, d)
}

// resolvedCommands are the resolvectl invocations that set link's servers
// and domains (systemd-resolved.service(8), "routing-only domains"). On a
// split tunnel (route false) the domains are routing-only ("~corp.example"):
// names under them go to the link's servers, every other name stays with
// the other links' resolvers, and short names are not completed with
// them. On a full tunnel "~." makes the link the route for every name and
// the domains are search domains too. An empty argument clears the
// setting.
func resolvedCommands(link string, d platform.DNSConfig, route bool) [][]string {
	servers := []string{"dns", link}
	for _, s := range d.Servers {
		servers = append(servers, s.String())
	}
	if len(d.Servers) == 0 {
		servers = append(servers, "")
	}
	domains := []string{"domain", link}
	for _, dom := range d.Domains {
		if !route {
			dom = "~" + dom
		}
		domains = append(domains, dom)
	}
	if route {
		domains = append(domains, "~.")
	}
	if len(domains) == 2 {
		domains = append(domains, "")
	}
	return [][]string{servers, domains}
}

func (m *dnsManager) resolvectl(cmds [][]string) error {
	for _, args := range cmds {
		ctx, cancel := context.WithTimeout(context.Background(), resolvectlTimeout)
		out, err := m.runner.Run(ctx, "resolvectl", args...)
		cancel()
		if err != nil {
			return fmt.Errorf("resolvectl %s: %w: %s", args[0], err, bytes.TrimSpace(out))
		}
	}
	return nil
}

// backup saves the resolver file before its first rewrite. A symbolic link
// is remembered as such, so that restoring it does not freeze its target's
// content. Every connection names the same backup: the first one takes
// it, and those that follow find the original there.
func (m *dnsManager) backup(r *dnsRecord, name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	r.Mode = dnsModeFile
	r.Path = m.resolvConf
	r.Backup = m.backupPath()
	if target, err := os.Readlink(m.resolvConf); err == nil {
		r.Symlink = target
	}
	b, err := os.ReadFile(m.resolvConf)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("dns: save %s: %w", m.resolvConf, err)
	}
	if _, err := os.Stat(r.Backup); err == nil {
		// Another connection's backup, or one from a run that crashed
		// before restoring, holds the true original; the current file
		// is our own.
		return nil
	}
	if err := os.WriteFile(r.Backup, b, 0o600); err != nil {
		return fmt.Errorf("dns: save %s: %w", m.resolvConf, err)
	}
	return nil
}

// writeFile sets name's part of the resolver file to d and writes it.
func (m *dnsManager) writeFile(r *dnsRecord, name string, d platform.DNSConfig) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if i := slices.IndexFunc(m.files, func(f fileDNS) bool { return f.name == name }); i >= 0 {
		m.files[i].dns = d
	} else {
		m.files = append(m.files, fileDNS{name: name, dns: d})
	}
	return m.renderLocked(r)
}

// renderLocked writes the resolver file: the tunnels' servers first, then
// the original ones as fallback, the tunnels' search domains before the
// original ones, and the original options. The caller holds m.mu.
func (m *dnsManager) renderLocked(r *dnsRecord) error {
	orig, err := os.ReadFile(r.Backup)
	if err != nil {
		return fmt.Errorf("dns: read saved resolv.conf: %w", err)
	}
	b := resolvConfOf(m.files, orig)
	if r.Symlink != "" {
		if fi, err := os.Lstat(r.Path); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
			// Writing through the link would change a file we do not
			// own; replace the link itself.
			if err := os.Remove(r.Path); err != nil {
				return fmt.Errorf("dns: %w", err)
			}
		}
	}
	// Written in place rather than renamed over: /etc/resolv.conf is often
	// a bind mount, which cannot be replaced.
	if err := os.WriteFile(r.Path, b, 0o644); err != nil {
		return fmt.Errorf("dns: %w", err)
	}
	return nil
}

// resolvConf renders the resolver file for one connection's d on top of
// orig.
func resolvConf(name string, d platform.DNSConfig, orig []byte) []byte {
	return resolvConfOf([]fileDNS{{name: name, dns: d}}, orig)
}

// resolvConfOf renders the resolver file for the connections in fs, in
// their order, on top of orig.
func resolvConfOf(fs []fileDNS, orig []byte) []byte {
	var names, own, servers, search, rest []string
	for _, f := range fs {
		names = append(names, fmt.Sprintf("%q", f.name))
		for _, s := range f.dns.Servers {
			if l := "nameserver " + s.String(); !slices.Contains(own, l) {
				own = append(own, l)
			}
		}
		for _, d := range f.dns.Domains {
			if !slices.Contains(search, d) {
				search = append(search, d)
			}
		}
	}
	sc := bufio.NewScanner(bytes.NewReader(orig))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		f := strings.Fields(line)
		switch {
		case len(f) == 0 || line[0] == '#' || line[0] == ';':
		case f[0] == "nameserver":
			servers = append(servers, line)
		case f[0] == "search" || f[0] == "domain":
			search = append(search, f[1:]...)
		default:
			rest = append(rest, line)
		}
	}
	var b bytes.Buffer
	if len(names) == 1 {
		fmt.Fprintf(&b, "# Written by Espresso for the connection %s.\n", names[0])
		b.WriteString("# The previous content is restored when the connection ends.\n")
	} else {
		fmt.Fprintf(&b, "# Written by Espresso for the connections %s.\n", strings.Join(names, ", "))
		b.WriteString("# The previous content is restored when the last of them ends.\n")
	}
	for _, s := range own {
		b.WriteString(s + "\n")
	}
	for _, s := range servers {
		b.WriteString(s + "\n")
	}
	if len(search) > 0 {
		b.WriteString("search " + strings.Join(search, " ") + "\n")
	}
	for _, s := range rest {
		b.WriteString(s + "\n")
	}
	return b.Bytes()
}

// revert undoes r, the record of the connection name: in the resolver
// file it takes away name's part, and restores the original once no
// connection has one.
func (m *dnsManager) revert(name string, r *dnsRecord) error {
	switch r.Mode {
	case dnsModeResolved:
		return m.resolvectl([][]string{{"revert", r.Link}})
	case dnsModeFile:
		m.mu.Lock()
		defer m.mu.Unlock()
		if i := slices.IndexFunc(m.files, func(f fileDNS) bool { return f.name == name }); i >= 0 {
			m.files = slices.Delete(m.files, i, i+1)
		}
		if len(m.files) > 0 && r.Backup == m.backupPath() {
			// Other connections' lines stay; a stale record's are
			// gone with the rewrite.
			return m.renderLocked(r)
		}
		if err := restoreFile(r); err != nil {
			return err
		}
		m.files = nil
		return nil
	}
	return fmt.Errorf("dns: unknown mode %q in state record", r.Mode)
}

// backupPath is where the original resolver file is kept while
// connections have theirs in it.
func (m *dnsManager) backupPath() string {
	return filepath.Join(m.stateDir, "resolv.conf.orig")
}

func restoreFile(r *dnsRecord) error {
	if r.Symlink != "" {
		if err := os.Remove(r.Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("dns: restore %s: %w", r.Path, err)
		}
		if err := os.Symlink(r.Symlink, r.Path); err != nil {
			return fmt.Errorf("dns: restore %s: %w", r.Path, err)
		}
	} else {
		b, err := os.ReadFile(r.Backup)
		if errors.Is(err, fs.ErrNotExist) {
			// Already restored by a run that stopped before updating
			// its record.
			return nil
		}
		if err != nil {
			return fmt.Errorf("dns: restore %s: %w", r.Path, err)
		}
		if err := os.WriteFile(r.Path, b, 0o644); err != nil {
			return fmt.Errorf("dns: restore %s: %w", r.Path, err)
		}
	}
	if err := os.Remove(r.Backup); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("dns: %w", err)
	}
	return nil
}
