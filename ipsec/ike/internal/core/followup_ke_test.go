package core

import (
	"bytes"
	"crypto/rand"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/espressovpn/espresso/ipsec/ike/dh"
	"github.com/espressovpn/espresso/ipsec/ike/wire"
	"github.com/espressovpn/espresso/ipsec/suite"
)

// The responder of a rekey with an additional key exchange answers the
// peer's IKE_FOLLOWUP_KE with its KE payload and makes the SA with the
// secret; a wrong token, a missing notify or Key Exchange Data of the
// wrong size or method end the rekey instead, without taking the IKE SA
// down, and an IKE_FOLLOWUP_KE with no rekey waiting gets INVALID_SYNTAX.
func TestFollowupKEResponder(t *testing.T) {
	k, err := dh.Generate(suite.KEMLKEM768, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ek := k.PublicKey()
	keP := func(data []byte) *wire.KeyExchange { return &wire.KeyExchange{Group: suite.KEMLKEM768, Data: data} }
	for _, tc := range []struct {
		name    string
		pending bool
		ps      func(token []byte) wire.Payloads
		want    string // the abort's reason; "" for success
	}{
		{"ok", true, func(tok []byte) wire.Payloads {
			return wire.Payloads{keP(ek), wire.NewNotify(wire.AdditionalKeyExchange, tok)}
		}, ""},
		{"wrong token", true, func(tok []byte) wire.Payloads {
			return wire.Payloads{keP(ek), wire.NewNotify(wire.AdditionalKeyExchange, append(bytes.Clone(tok), 1))}
		}, "not the token"},
		{"no notify", true, func([]byte) wire.Payloads { return wire.Payloads{keP(ek)} }, "ADDITIONAL_KEY_EXCHANGE missing"},
		{"truncated", true, func(tok []byte) wire.Payloads {
			return wire.Payloads{keP(ek[:len(ek)-1]), wire.NewNotify(wire.AdditionalKeyExchange, tok)}
		}, "1183 bytes"},
		{"other method", true, func(tok []byte) wire.Payloads {
			return wire.Payloads{&wire.KeyExchange{Group: suite.GroupMODP2048, Data: make([]byte, 256)}, wire.NewNotify(wire.AdditionalKeyExchange, tok)}
		}, "KE payload for modp2048"},
		{"nothing pending", false, func(tok []byte) wire.Payloads {
			return wire.Payloads{keP(ek), wire.NewNotify(wire.AdditionalKeyExchange, tok)}
		}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sa, mirror := hybridSA(t, false), hybridSA(t, true)
			d, down := detachedWithSA(t, sa)
			sa.Established, sa.addKE = true, nil
			var got [][]byte
			var aborted string
			token := []byte("no token handed out")
			if tc.pending {
				n, err := d.rekey.awaitFollowups(sa, []suite.TransformID{suite.KEMLKEM768},
					func(add [][]byte) {
						for _, a := range add {
							got = append(got, bytes.Clone(a))
						}
					},
					func(reason string) { aborted = reason })
				if err != nil {
					t.Fatal(err)
				}
				token = n.Data
			}
			d.Receive(fromInitiator(t, mirror, wire.IKEFollowupKE, 1, tc.ps(token)))
			if *down != nil {
				t.Fatalf("Down(%v)", *down)
			}
			if sa.followup != nil || sa.LastResp == nil {
				t.Fatalf("followup still waiting %v, answered %v", sa.followup != nil, sa.LastResp != nil)
			}
			switch {
			case !tc.pending:
				if got != nil || aborted != "" {
					t.Fatalf("made %d secrets, aborted %q", len(got), aborted)
				}
			case tc.want == "":
				if len(got) != 1 || len(got[0]) != 32 || aborted != "" {
					t.Fatalf("secrets %d, aborted %q", len(got), aborted)
				}
			default:
				if got != nil || !strings.Contains(aborted, tc.want) {
					t.Fatalf("secrets %d, aborted %q, want %q", len(got), aborted, tc.want)
				}
			}
		})
	}
}

// A rekey of the peer's that waits for an IKE_FOLLOWUP_KE the peer never
// sends ends after followupLimit, its secrets wiped, the IKE SA up; an
// answered IKE_FOLLOWUP_KE with more to come starts the wait again.
func TestFollowupKEExpires(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		k, err := dh.Generate(suite.KEMLKEM768, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		sa, mirror := hybridSA(t, false), hybridSA(t, true)
		d, down := detachedWithSA(t, sa)
		sa.Established, sa.addKE = true, nil
		limit := d.rekey.followupLimit()
		if limit < 100*time.Second || limit > 200*time.Second {
			t.Fatalf("followupLimit %v, want the default retransmission series", limit)
		}
		var aborted string
		made := false
		methods := []suite.TransformID{suite.KEMLKEM768, suite.KEMLKEM768}
		n, err := d.rekey.awaitFollowups(sa, methods, func([][]byte) { made = true }, func(reason string) { aborted = reason })
		if err != nil {
			t.Fatal(err)
		}
		// runTimers runs what the expiry posted, as the run goroutine does.
		runTimers := func() {
			synctest.Wait()
			for {
				select {
				case f := <-d.cmds:
					f()
				default:
					return
				}
			}
		}
		time.Sleep(limit - time.Second)
		runTimers()
		if sa.followup == nil || aborted != "" {
			t.Fatalf("rekey dropped before the limit: %q", aborted)
		}
		// The first exchange: answered with a new token, the wait restarts.
		d.Receive(fromInitiator(t, mirror, wire.IKEFollowupKE, 1,
			wire.Payloads{&wire.KeyExchange{Group: suite.KEMLKEM768, Data: k.PublicKey()}, wire.NewNotify(wire.AdditionalKeyExchange, n.Data)}))
		f := sa.followup
		if f == nil || len(f.secrets) != 1 {
			t.Fatalf("first IKE_FOLLOWUP_KE not taken: aborted %q", aborted)
		}
		secret := f.secrets[0]
		time.Sleep(limit - time.Second)
		runTimers()
		if sa.followup != f || aborted != "" {
			t.Fatalf("wait not restarted by the answered exchange: %q", aborted)
		}
		time.Sleep(2 * time.Second)
		runTimers()
		if sa.followup != nil || made || !strings.Contains(aborted, "no IKE_FOLLOWUP_KE in time") {
			t.Fatalf("after the limit: waiting %v, made %v, aborted %q", sa.followup != nil, made, aborted)
		}
		if f.secrets != nil || !bytes.Equal(secret, make([]byte, len(secret))) {
			t.Error("the secret of the first exchange was not wiped")
		}
		if *down != nil {
			t.Fatalf("Down(%v)", *down)
		}
	})
}
