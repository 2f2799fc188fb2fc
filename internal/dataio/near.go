package dataio

import (
	"fmt"
	"strings"
	"time"

	"aftersales"
)

// nearIndex remembers recent fingerprints per customer or place. Input is
// assumed roughly in time order: groups idle longer than the window are
// dropped as the reader moves on, so memory stays flat on long files.
type nearIndex struct {
	cfg    NearDuplicate
	window time.Duration
	groups map[string]*nearGroup
	latest time.Time
	seen   int
	// hashes remembers the fingerprints of recent texts: a city's
	// requests repeat a few thousand title and description pairs.
	hashes map[[2]string]uint64
}

// nearGroup is a group's last nearPerGroup entries, oldest first. Most
// groups (a street address) see one or two rows: those need no slice of
// their own.
type nearGroup struct {
	es    []nearEntry
	first [2]nearEntry
}

type nearEntry struct {
	at   time.Time
	hash uint64
	ext  string
	line int
}

const (
	nearPerGroup = 16
	nearHashes   = 1 << 14 // texts remembered at most
)

func newNearIndex(cfg NearDuplicate) *nearIndex {
	return &nearIndex{cfg: cfg, window: time.Duration(cfg.WindowHours) * time.Hour, groups: map[string]*nearGroup{},
		hashes: map[[2]string]uint64{}}
}

// simHash is simHash2(title, description), remembered.
func (n *nearIndex) simHash(title, description string) uint64 {
	k := [2]string{title, description}
	if h, ok := n.hashes[k]; ok {
		return h
	}
	h := simHash2(title, description)
	if len(n.hashes) < nearHashes {
		// Copies: the texts are slices of a whole source row.
		n.hashes[[2]string{strings.Clone(title), strings.Clone(description)}] = h
	}
	return h
}

func (n *nearIndex) check(rec *aftersales.ImportRecord, key string) {
	group := rec.CustomerKey
	if n.cfg.By == "address" {
		group = rec.Address
	}
	if group == "" {
		return
	}
	h := n.simHash(rec.Title, rec.Description)
	if h == 0 {
		return
	}
	g := n.groups[group]
	if g == nil {
		g = &nearGroup{}
		g.es = g.first[:0]
		n.groups[strings.Clone(group)] = g // not a slice of the whole row
	}
	es := g.es
	for i := len(es) - 1; i >= 0; i-- {
		e := es[i]
		d := rec.CreatedAt.Sub(e.at)
		if d < 0 {
			d = -d
		}
		if d <= n.window && e.ext != rec.ExternalID && Distance(h, e.hash) <= n.cfg.Distance {
			rec.Flags = append(rec.Flags, aftersales.RowIssue{Line: rec.Lines[0], Key: key, Field: "description",
				Kind: aftersales.FlagNearDuplicate, Related: e.ext,
				Reason: fmt.Sprintf("resembles line %d (%s) from the same %s, %s apart", e.line, e.ext, n.cfg.By, d.Round(time.Minute))})
			break
		}
	}
	e := nearEntry{at: rec.CreatedAt, hash: h, ext: rec.ExternalID, line: rec.Lines[0]}
	if len(es) < nearPerGroup {
		es = append(es, e)
	} else { // the oldest goes, in place
		copy(es, es[1:])
		es[len(es)-1] = e
	}
	g.es = es
	if rec.CreatedAt.After(n.latest) {
		n.latest = rec.CreatedAt
	}
	if n.seen++; n.seen%50000 == 0 {
		for k, g := range n.groups {
			if n.latest.Sub(g.es[len(g.es)-1].at) > n.window {
				delete(n.groups, k)
			}
		}
	}
}
