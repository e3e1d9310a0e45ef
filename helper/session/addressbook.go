package session

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"sync"
)

// AddressBook remembers the virtual IPs each profile had last, so that an
// on-demand session asks for them again (ike.Config.RequestVirtualIPs)
// and puts them on its device while its trap waits: connections opened
// before the tunnel is up then already carry the address the gateway is
// likely to give again. It is a hint; nothing breaks when it is lost.
type AddressBook interface {
	// Last returns the virtual IPs the profile had with the gateway
	// host, none when it had none there.
	Last(profile, gateway string) []netip.Addr
	// Remember records the virtual IPs the profile has with gateway.
	Remember(profile, gateway string, vips []netip.Addr) error
}

// AddressFile is the helper's AddressBook: one small JSON file in its
// state directory, replaced whole on each change, so that it survives a
// restart of the helper or of the machine.
type AddressFile struct {
	path string
	mu   sync.Mutex
}

// NewAddressFile returns the AddressBook kept in the file at path, which
// is created when first needed.
func NewAddressFile(path string) *AddressFile { return &AddressFile{path: path} }

// addressEntry is a profile's entry in the file.
type addressEntry struct {
	Gateway    string       `json:"gateway"`
	VirtualIPs []netip.Addr `json:"virtual_ips"`
}

// maxAddressFile bounds what is read back: a file grown beyond any
// number of profiles the helper keeps is not one it wrote.
const maxAddressFile = 1 << 20

func (f *AddressFile) read() (map[string]addressEntry, error) {
	b, err := os.ReadFile(f.path)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]addressEntry{}, nil
	}
	if err != nil {
		return nil, err
	}
	if len(b) > maxAddressFile {
		return nil, fmt.Errorf("%s: larger than %d bytes", f.path, maxAddressFile)
	}
	m := map[string]addressEntry{}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", f.path, err)
	}
	return m, nil
}

// Last implements AddressBook; a file that cannot be read gives none.
func (f *AddressFile) Last(profile, gateway string) []netip.Addr {
	f.mu.Lock()
	defer f.mu.Unlock()
	m, err := f.read()
	if err != nil {
		return nil
	}
	e, ok := m[profile]
	if !ok || e.Gateway != gateway {
		return nil
	}
	return e.VirtualIPs
}

// Remember implements AddressBook.
func (f *AddressFile) Remember(profile, gateway string, vips []netip.Addr) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	m, err := f.read()
	if err != nil {
		// A damaged file is replaced: it only ever held hints.
		m = map[string]addressEntry{}
	}
	if e, ok := m[profile]; ok && e.Gateway == gateway && slices.Equal(e.VirtualIPs, vips) {
		return nil
	}
	m[profile] = addressEntry{Gateway: gateway, VirtualIPs: slices.Clone(vips)}
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return replaceFile(f.path, b)
}

// replaceFile writes data to a temporary file beside path, owner-only,
// and renames it over path.
func replaceFile(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	t, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			t.Close()
			os.Remove(t.Name())
		}
	}()
	if err = t.Chmod(0o600); err != nil {
		return err
	}
	if _, err = t.Write(data); err != nil {
		return err
	}
	if err = t.Sync(); err != nil {
		return err
	}
	if err = t.Close(); err != nil {
		return err
	}
	return os.Rename(t.Name(), path)
}

// requestable keeps of the remembered vips those an IKE_AUTH may ask for
// (ike.Config.RequestVirtualIPs): unicast, of a family v4 or v6 asks a
// virtual IP of, one per family.
func requestable(vips []netip.Addr, v4, v6 bool) []netip.Addr {
	var out []netip.Addr
	has4, has6 := false, false
	for _, a := range vips {
		a = a.Unmap()
		if !a.IsGlobalUnicast() || a.IsLinkLocalUnicast() {
			continue
		}
		if a.Is4() && v4 && !has4 {
			has4 = true
			out = append(out, a)
		} else if a.Is6() && v6 && !has6 {
			has6 = true
			out = append(out, a)
		}
	}
	return out
}
