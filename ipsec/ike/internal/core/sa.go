package core

import (
	"encoding/binary"
	"io"
	"time"

	"github.com/espressovpn/espresso/ipsec/ike/dh"
	"github.com/espressovpn/espresso/ipsec/ike/wire"
	"github.com/espressovpn/espresso/ipsec/suite"
)

// IKESA is one IKE SA: its SPIs, keys, message-ID windows and the state of
// the exchanges in flight. A rekey replaces it with a new one (RFC 7296
// §2.18); the old one lives on until its delete is answered.
type IKESA struct {
	SPIi, SPIr uint64
	// Initiator is true when we are the SA's original initiator, which
	// sets the I flag and picks SK_ei/SK_er (RFC 7296 §2.14, §3.1).
	Initiator bool
	Prop      chosen
	keys      *ikeKeys
	// Established is set once IKE_AUTH (or the rekey) completed.
	Established bool

	// IKE_SA_INIT state, kept for the AUTH payloads (§2.15) and retries.
	Ni, Nr           []byte
	ke               dh.KeyExchange
	InitReq, InitRsp []byte
	cookie           []byte
	initTries        int
	LocalID          wire.Identity
	// EAP is the EAP conversation of IKE_AUTH while it runs (§2.16).
	EAP *EAPState

	// IKE_INTERMEDIATE (RFC 9242, RFC 9370 §2.2.2, intermediate.go).
	// IntermediateOK is set when both sides announced it; addKE holds
	// the additional key exchanges still to run; intAuthI and intAuthR
	// are the IntAuth chains of the initiator's and the responder's
	// IKE_INTERMEDIATE messages, intermediates counts those messages;
	// authMID is the message ID of the first IKE_AUTH request; prevKeys
	// are the keys before the last update, which still authenticate a
	// retransmission of the request that led to it (responder); intPlain
	// is the content of the IKE_INTERMEDIATE message just opened.
	IntermediateOK bool
	addKE          []suite.TransformID
	// followup is the peer's rekey whose IKE_FOLLOWUP_KE exchanges we
	// answer (followup_ke.go).
	followup           *followupResp
	intAuthI, intAuthR []byte
	intermediates      int
	authMID            uint32
	authMIDSet         bool
	prevKeys           *ikeKeys
	intPlain           *intMessage

	// Message IDs (§2.3): sendID is the ID of our next request, recvID the
	// one we expect of the peer. The window is one in both directions: we
	// announce no SET_WINDOW_SIZE.
	sendID, RecvID uint32
	pending        *request
	queue          []func()
	LastResp       *Response
	reqFrags       reassembly
	rspFrags       reassembly

	// Peer capabilities from IKE_SA_INIT.
	FragOK     bool
	PeerHashes []wire.HashAlgorithm

	LastHeard time.Time
	// natDst is the peer's last NAT_DETECTION_DESTINATION_IP hash, its
	// view of our address, for MOBIKE's NAT mapping checks (RFC 4555 §3.8).
	natDst []byte
	// rekey is our rekey of this SA in flight, peerRekey the SA the peer
	// created by rekeying it, for collisions (§2.8.2).
	rekey     *ikeRekey
	peerRekey *IKESA
	Deleting  bool
	// Superseded are the Child SAs that go with this SA once the peer
	// deletes it after reauthenticating, and successor the one that then
	// takes over their outbound traffic (package responder).
	Superseded []*Child
	Successor  *Child
}

// Response is the last response sent, for retransmitted requests (§2.1).
type Response struct {
	ID   uint32
	Pkts [][]byte
}

// RandomSPI returns a non-zero SPI of n bytes (8 for IKE, 4 for ESP); zero
// is reserved in both (RFC 7296 §3.1, RFC 4303 §2.1).
func RandomSPI(r io.Reader, n int) (uint64, error) {
	var b [8]byte
	for {
		if _, err := io.ReadFull(r, b[:n]); err != nil {
			return 0, err
		}
		var v uint64
		if n == 4 {
			v = uint64(binary.BigEndian.Uint32(b[:4]))
			// SPIs 1-255 are reserved by IANA (RFC 4303 §2.1).
			if v < 256 {
				continue
			}
		} else {
			v = binary.BigEndian.Uint64(b[:])
		}
		if v != 0 {
			return v, nil
		}
	}
}

// nonceLen is the size of our nonces: at least half the PRF key size and
// 128 bits (RFC 7296 §2.10); 32 bytes covers every PRF here.
const nonceLen = 32

func RandomNonce(r io.Reader) ([]byte, error) {
	n := make([]byte, nonceLen)
	_, err := io.ReadFull(r, n)
	return n, err
}

// Header returns the header of a message on this SA.
func (sa *IKESA) Header(ex wire.ExchangeType, id uint32, resp bool) wire.Header {
	h := wire.Header{
		SPIi: sa.SPIi, SPIr: sa.SPIr,
		MajorVersion: wire.MajorVersion, MinorVersion: wire.MinorVersion,
		ExchangeType: ex, MessageID: id,
	}
	if sa.Initiator {
		h.Flags |= wire.FlagInitiator
	}
	if resp {
		h.Flags |= wire.FlagResponse
	}
	return h
}

// End stops the SA's retransmissions and wipes its keys.
func (sa *IKESA) End() {
	if sa == nil {
		return
	}
	if sa.pending != nil && sa.pending.timer != nil {
		sa.pending.timer.Stop()
	}
	sa.pending = nil
	sa.queue = nil
	if sa.ke != nil {
		sa.ke.Zero()
		sa.ke = nil
	}
	if sa.rekey != nil {
		sa.rekey.wipe()
	}
	if sa.EAP != nil {
		sa.EAP.Close()
		sa.EAP = nil
	}
	sa.keys.wipe()
	sa.prevKeys.wipe()
	sa.prevKeys = nil
	sa.intPlain = nil
	sa.reqFrags.reset()
	sa.rspFrags.reset()
}

// findSA returns the IKE SA a message belongs to.
func (d *Machine) findSA(spii, spir uint64) *IKESA {
	if d.SA != nil && d.SA.SPIi == spii && d.SA.SPIr == spir {
		return d.SA
	}
	if r := d.Reauth; r != nil && r.SPIi == spii && r.SPIr == spir {
		return r
	}
	for _, sa := range d.Old {
		if sa.SPIi == spii && sa.SPIr == spir {
			return sa
		}
	}
	if r := d.SA; r != nil && r.rekey != nil && r.rekey.sa != nil && r.rekey.sa.SPIi == spii && r.rekey.sa.SPIr == spir {
		return r.rekey.sa
	}
	if d.SA != nil && d.SA.peerRekey != nil && d.SA.peerRekey.SPIi == spii && d.SA.peerRekey.SPIr == spir {
		return d.SA.peerRekey
	}
	return nil
}
