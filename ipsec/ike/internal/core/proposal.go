package core

import (
	"slices"
	"strings"

	"github.com/espressovpn/espresso/ipsec/ike/wire"
	"github.com/espressovpn/espresso/ipsec/suite"
)

// offerSA encodes proposals for an SA payload, numbered from 1 (RFC 7296
// §3.3.1). withKE false drops the key exchange transforms, additional ones
// included, as IKE_AUTH requires (§1.2, RFC 9370 §2.2.3); firstKE, when non-zero, moves that method to the front of
// each proposal that has it, so the KE payload sent matches the first choice.
func offerSA(ps []suite.Proposal, proto wire.ProtocolID, spi []byte, withKE bool, firstKE suite.TransformID) *wire.SecurityAssociation {
	sa := &wire.SecurityAssociation{}
	for i, p := range ps {
		wp := wire.Proposal{Number: uint8(i + 1), Protocol: proto, SPI: spi}
		ts := p.Transforms
		if firstKE != 0 {
			ts = slices.Clone(ts)
			slices.SortStableFunc(ts, func(a, b suite.Transform) int {
				return boolInt(!(a.Type == suite.TypeKE && a.ID == firstKE)) - boolInt(!(b.Type == suite.TypeKE && b.ID == firstKE))
			})
		}
		for _, t := range ts {
			if t.Type.IsKE() && !withKE {
				continue
			}
			wp.Transforms = append(wp.Transforms, wire.TransformFrom(t))
		}
		sa.Proposals = append(sa.Proposals, wp)
	}
	return sa
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// chosen is a negotiated proposal: one transform per type.
type chosen struct {
	suite.Proposal
	spi []byte
}

// One returns the transform of type t, or the zero Transform.
func (c chosen) One(t suite.TransformType) suite.Transform {
	if ts := c.Of(t); len(ts) > 0 {
		return ts[0]
	}
	return suite.Transform{}
}

// Choose picks, responder side, the first of our proposals (in our order of
// preference, as strongSwan does by default) that one of the peer's
// proposals can satisfy: for each transform type we list, the first of our
// transforms the peer also offers. withKE false ignores key exchange
// transforms on both sides (IKE_AUTH). It returns the peer's proposal
// number and SPI with the selection.
func Choose(ours []suite.Proposal, theirs []wire.Proposal, proto wire.ProtocolID, withKE bool) (number uint8, c chosen, ok bool) {
	for _, o := range ours {
		for _, tp := range theirs {
			if tp.Protocol != proto {
				continue
			}
			if sel, ok := match(o, tp, withKE); ok {
				return tp.Number, chosen{Proposal: sel, spi: tp.SPI}, true
			}
		}
	}
	return 0, chosen{}, false
}

// match selects, for every transform type either side lists, our first
// transform the peer also offers (RFC 7296 §3.3.6). The peer's proposal
// must not need a type we lack, except that key exchange is optional in an
// ESP proposal (§3.3.3): NONE in a key exchange list is a choice like any
// other, and a side that lists no method accepts a list with NONE, as
// strongSwan's proposal selection does. The additional key exchange types
// of RFC 9370 follow the same rule in IKE and ESP proposals alike (§2.2.1):
// a peer without RFC 9370 offers none of them and so matches only a
// proposal of ours where they are optional. NONE chosen leaves the
// selection without that type. withKE false ignores key exchange on both
// sides (IKE_AUTH, §1.2).
func match(ours suite.Proposal, theirs wire.Proposal, withKE bool) (suite.Proposal, bool) {
	offered := map[suite.TransformType][]suite.Transform{}
	var types []suite.TransformType
	for _, t := range ours.Transforms {
		if !slices.Contains(types, t.Type) {
			types = append(types, t.Type)
		}
	}
	for i := range theirs.Transforms {
		t := &theirs.Transforms[i]
		if !slices.Contains(types, t.Type) {
			types = append(types, t.Type)
		}
		if t.HasUnknownAttributes() {
			continue // RFC 7296 §3.3.6: such a transform is unacceptable
		}
		offered[t.Type] = append(offered[t.Type], t.Suite())
	}
	optionalKE := theirs.Protocol == wire.ProtocolESP
	var sel suite.Proposal
	for _, typ := range types {
		if typ.IsKE() && !withKE {
			continue
		}
		mine, peers := ours.Of(typ), offered[typ]
		if (typ == suite.TypeKE && optionalKE || typ.AddKEIndex() != 0) && (len(mine) == 0 || len(peers) == 0) {
			if !containsNone(mine) && !containsNone(peers) {
				return suite.Proposal{}, false
			}
			continue
		}
		i := slices.IndexFunc(mine, func(t suite.Transform) bool { return slices.Contains(peers, t) })
		if i < 0 {
			return suite.Proposal{}, false
		}
		if mine[i].ID != suite.KENone || !typ.IsKE() {
			sel.Transforms = append(sel.Transforms, mine[i])
		}
	}
	return sel, true
}

// keNone is the key exchange transform NONE (RFC 7296 §3.3.2).
var keNone = suite.Transform{Type: suite.TypeKE, ID: suite.KENone}

// containsNone tells whether a list of key exchange transforms, of the key
// exchange type or an additional one, holds NONE.
func containsNone(ts []suite.Transform) bool {
	return slices.ContainsFunc(ts, func(t suite.Transform) bool { return t.Type.IsKE() && t.ID == suite.KENone })
}

// accepted checks, initiator side, the peer's answer to our offer: a single
// proposal whose number we sent, with exactly one of our transforms of each
// type we offered (RFC 7296 §2.7, §3.3.6). When our key exchange list holds
// NONE the answer may leave the type out, as strongSwan does when it
// chooses NONE; NONE named in the answer is dropped from the result, which
// then has no key exchange method.
func accepted(offer *wire.SecurityAssociation, answer *wire.SecurityAssociation) (chosen, bool) {
	if answer == nil || len(answer.Proposals) != 1 {
		return chosen{}, false
	}
	a := answer.Proposals[0]
	for _, o := range offer.Proposals {
		if o.Number != a.Number || o.Protocol != a.Protocol {
			continue
		}
		types := map[suite.TransformType]int{}
		var mine suite.Proposal
		for i := range o.Transforms {
			types[o.Transforms[i].Type]++
			mine.Transforms = append(mine.Transforms, o.Transforms[i].Suite())
		}
		var c chosen
		c.spi = a.SPI
		seen := map[suite.TransformType]bool{}
		for i := range a.Transforms {
			t := a.Transforms[i].Suite()
			if types[t.Type] == 0 || seen[t.Type] || a.Transforms[i].HasUnknownAttributes() || !slices.Contains(mine.Transforms, t) {
				return chosen{}, false
			}
			seen[t.Type] = true
			if !t.Type.IsKE() || t.ID != suite.KENone {
				c.Transforms = append(c.Transforms, t)
			}
		}
		for typ := range types {
			if !seen[typ] && !(typ.IsKE() && containsNone(mine.Of(typ))) {
				return chosen{}, false
			}
		}
		return c, true
	}
	return chosen{}, false
}

// AnswerSA encodes the chosen proposal for a response.
func AnswerSA(number uint8, proto wire.ProtocolID, spi []byte, c chosen) *wire.SecurityAssociation {
	wp := wire.Proposal{Number: number, Protocol: proto, SPI: spi}
	for _, t := range c.Transforms {
		wp.Transforms = append(wp.Transforms, wire.TransformFrom(t))
	}
	return &wire.SecurityAssociation{Proposals: []wire.Proposal{wp}}
}

// withoutAddKE returns the proposals without their additional key exchange
// types, dropping any that then repeats an earlier one: those for a Child
// SA made in IKE_AUTH, which runs no additional exchange (RFC 9370
// §2.2.3); its KEYMAT derives from SK_d, which the hybrid exchange went
// into.
func withoutAddKE(ps []suite.Proposal) []suite.Proposal {
	var out []suite.Proposal
	for _, p := range ps {
		q := suite.Proposal{Transforms: slices.DeleteFunc(slices.Clone(p.Transforms), func(t suite.Transform) bool { return t.Type.AddKEIndex() != 0 })}
		if !slices.ContainsFunc(out, func(o suite.Proposal) bool { return slices.Equal(o.Transforms, q.Transforms) }) {
			out = append(out, q)
		}
	}
	return out
}

// proposalsString lists proposals for an error message.
func proposalsString(ps []suite.Proposal) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	return strings.Join(s, ", ")
}

// keMethods returns the key exchange methods of proposals in order of
// preference, each once.
func keMethods(ps []suite.Proposal) []suite.TransformID {
	var out []suite.TransformID
	for _, p := range ps {
		for _, t := range p.Of(suite.TypeKE) {
			if !slices.Contains(out, t.ID) {
				out = append(out, t.ID)
			}
		}
	}
	return out
}
