package ike_test

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/espressovpn/espresso/ipsec/ike"
)

// recordLog keeps every record at or above min as one line, message then
// key=value attributes.
type recordLog struct {
	mu    sync.Mutex
	min   slog.Level
	lines []string
}

func (r *recordLog) Enabled(_ context.Context, l slog.Level) bool { return l >= r.min }

func (r *recordLog) Handle(_ context.Context, rec slog.Record) error {
	var b strings.Builder
	b.WriteString(rec.Message)
	rec.Attrs(func(a slog.Attr) bool {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
		return true
	})
	r.mu.Lock()
	r.lines = append(r.lines, b.String())
	r.mu.Unlock()
	return nil
}

func (r *recordLog) WithAttrs([]slog.Attr) slog.Handler { return r }
func (r *recordLog) WithGroup(string) slog.Handler      { return r }

func (r *recordLog) text() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.lines, "\n")
}

// TestDebugLogShowsExchanges: at debug level the client's log names each
// IKE message it sends and receives, with its exchange, message ID and
// payload types, and holds no secret.
func TestDebugLogShowsExchanges(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cli, gw := pskConfigs(t)
		rec := &recordLog{min: slog.LevelDebug}
		p := &pair{cliCfg: cli, gwCfg: gw, sysClock: true, cliLog: slog.New(rec)}
		p.start(t)
		next[*ike.Established](t, p.cli)
		log := rec.text()
		for _, want := range []string{
			"ike: sent exchange=IKE_SA_INIT kind=request id=0 ",
			"ike: received exchange=IKE_SA_INIT kind=response id=0 ",
			// The default proposal is a hybrid: its ML-KEM exchange
			// comes first, in IKE_INTERMEDIATE.
			"ike: sent exchange=IKE_INTERMEDIATE kind=request id=1 ",
			"ike: received exchange=IKE_INTERMEDIATE kind=response id=1 ",
			"ike: sent exchange=IKE_AUTH kind=request id=2 ",
			"ike: received exchange=IKE_AUTH kind=response id=2 ",
			"payloads=[SA KE No N(",
			"N(NAT_DETECTION_SOURCE_IP)",
		} {
			if !strings.Contains(log, want) {
				t.Errorf("the debug log lacks %q:\n%s", want, log)
			}
		}
		if !strings.Contains(log, "IDi") || !strings.Contains(log, "AUTH") || !strings.Contains(log, "TSi") {
			t.Errorf("IKE_AUTH's payload types missing:\n%s", log)
		}
		psk := cli.PSK
		for _, secret := range []string{string(psk), hex.EncodeToString(psk), base64.StdEncoding.EncodeToString(psk)} {
			if strings.Contains(log, secret) {
				t.Errorf("the debug log holds the PSK as %q", secret)
			}
		}
	})
}

// TestInfoLogShowsNoExchanges: below debug, no message is summarised.
func TestInfoLogShowsNoExchanges(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cli, gw := pskConfigs(t)
		rec := &recordLog{min: slog.LevelInfo}
		p := &pair{cliCfg: cli, gwCfg: gw, sysClock: true, cliLog: slog.New(rec)}
		p.start(t)
		next[*ike.Established](t, p.cli)
		if log := rec.text(); strings.Contains(log, "ike: sent") || strings.Contains(log, "ike: received") {
			t.Errorf("info log summarises messages:\n%s", log)
		}
	})
}
