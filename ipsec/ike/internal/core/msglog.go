package core

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/espressovpn/espresso/ipsec/ike/wire"
)

// debugOn reports whether the connection's log keeps debug records, so
// that the message summaries below cost nothing otherwise.
func (d *Machine) debugOn() bool {
	return d.Log.Enabled(context.Background(), slog.LevelDebug)
}

// LogMessage records, at debug level, one IKE message sent or received:
// its exchange, message ID, SPIs and payload types (notifies by type), for
// comparing with the peer's log. It never records a payload's content: no
// key material, nonce, identity or authentication data reaches the log.
func (d *Machine) LogMessage(sent bool, h wire.Header, ps wire.Payloads) {
	if !d.debugOn() {
		return
	}
	d.logSummary(sent, h, summarize(ps))
}

func (d *Machine) logSummary(sent bool, h wire.Header, payloads string) {
	msg := "ike: received"
	if sent {
		msg = "ike: sent"
	}
	kind := "request"
	if h.IsResponse() {
		kind = "response"
	}
	d.Log.Debug(msg, "exchange", h.ExchangeType, "kind", kind, "id", h.MessageID,
		"spi", fmt.Sprintf("%016x_%016x", h.SPIi, h.SPIr), "payloads", payloads)
}

// summarize lists the payload types of a message in RFC 7296 notation,
// notifies with their type: "[SA KE No N(NAT_DETECTION_SOURCE_IP)]".
func summarize(ps wire.Payloads) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, p := range ps {
		if i > 0 {
			b.WriteByte(' ')
		}
		if n, ok := p.(*wire.Notify); ok {
			fmt.Fprintf(&b, "N(%s)", n.NotifyType)
			continue
		}
		b.WriteString(p.Type().String())
	}
	b.WriteByte(']')
	return b.String()
}
