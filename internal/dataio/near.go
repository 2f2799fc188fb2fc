package dataio

import (
	"fmt"
	"time"

	"aftersales"
)

// nearIndex remembers recent fingerprints per customer or place. Input is
// assumed roughly in time order: groups idle longer than the window are
// dropped as the reader moves on, so memory stays flat on long files.
type nearIndex struct {
	cfg    NearDuplicate
	window time.Duration
	groups map[string][]nearEntry
	latest time.Time
	seen   int
}

type nearEntry struct {
	at   time.Time
	hash uint64
	ext  string
	line int
}

const nearPerGroup = 16

func newNearIndex(cfg NearDuplicate) *nearIndex {
	return &nearIndex{cfg: cfg, window: time.Duration(cfg.WindowHours) * time.Hour, groups: map[string][]nearEntry{}}
}

func (n *nearIndex) check(rec *aftersales.ImportRecord, key string) {
	group := rec.CustomerKey
	if n.cfg.By == "address" {
		group = rec.Address
	}
	if group == "" {
		return
	}
	h := simHash2(rec.Title, rec.Description)
	if h == 0 {
		return
	}
	es := n.groups[group]
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
	es = append(es, nearEntry{at: rec.CreatedAt, hash: h, ext: rec.ExternalID, line: rec.Lines[0]})
	if len(es) > nearPerGroup {
		es = es[len(es)-nearPerGroup:]
	}
	n.groups[group] = es
	if rec.CreatedAt.After(n.latest) {
		n.latest = rec.CreatedAt
	}
	if n.seen++; n.seen%50000 == 0 {
		for k, es := range n.groups {
			if n.latest.Sub(es[len(es)-1].at) > n.window {
				delete(n.groups, k)
			}
		}
	}
}
