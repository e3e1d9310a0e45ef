package platformtest

import (
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/espressovpn/espresso/platform"
)

// KillSwitch is a fake platform.KillSwitch: it keeps the blocks in place
// as a system would (a block outlives the helper that engaged it, as the
// kernel's firewall does) and records every call.
type KillSwitch struct {
	mu     sync.Mutex
	blocks map[string]platform.BlockConfig
	calls  []string
	fail   error
}

var _ platform.KillSwitch = (*KillSwitch)(nil)

// NewKillSwitch returns a fake kill switch with no block in place.
func NewKillSwitch() *KillSwitch {
	return &KillSwitch{blocks: map[string]platform.BlockConfig{}}
}

// Fail makes every later Engage return err, until Fail(nil).
func (k *KillSwitch) Fail(err error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.fail = err
}

// Engage implements platform.KillSwitch. It validates cfg as every
// implementation does.
func (k *KillSwitch) Engage(name string, cfg *platform.BlockConfig) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	state := "down"
	if cfg.Up {
		state = "up"
	}
	k.calls = append(k.calls, fmt.Sprintf("engage %s %s", name, state))
	if k.fail != nil {
		return k.fail
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	b := cfg.WithDefaults()
	b.Protected = slices.Clone(b.Protected)
	b.Exclude = slices.Clone(b.Exclude)
	b.Gateways = slices.Clone(b.Gateways)
	k.blocks[name] = b
	return nil
}

// Release implements platform.KillSwitch.
func (k *KillSwitch) Release(name string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.calls = append(k.calls, "release "+name)
	delete(k.blocks, name)
	return nil
}

// Engaged implements platform.KillSwitch.
func (k *KillSwitch) Engaged() ([]string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return slices.Sorted(maps.Keys(k.blocks)), nil
}

// Blocks returns the blocks in place, by connection name.
func (k *KillSwitch) Blocks() map[string]platform.BlockConfig {
	k.mu.Lock()
	defer k.mu.Unlock()
	return maps.Clone(k.blocks)
}

// Calls returns the calls so far ("engage work down", "engage work up",
// "release work"), in order.
func (k *KillSwitch) Calls() []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return slices.Clone(k.calls)
}
