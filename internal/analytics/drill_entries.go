package analytics

// Counts says what one unit of a KPI's counts is. Most KPIs count
// tickets, once each; some count a ticket's visits or follow-up tasks,
// of which one ticket can have several in a period. Their drill-down
// lists the tickets that hold the counted entries and states how many
// entries those are (Population.Count), so the number it states is the
// number the chart showed, not the number of tickets.
type Counts int

const (
	CountsTickets   Counts = iota
	CountsVisits           // visits checked in (window_on_time)
	CountsFollowups        // follow-up tasks done (followup_*)
)

var countsNames = [...]string{"tickets", "visits", "follow-up tasks"}

func (c Counts) String() string { return countsNames[c] }

// Count is how many of the population's entries a ticket's fact holds
// over the days [from, to): its entries of Measure less those of Except
// (a visit checked in less one checked in on time: a late visit), or its
// histogram entries in the bin. It is 0 for a ticket the population does
// not hold.
func (p Population) Count(f *Fact, from, to Day) int64 {
	if p.Measure == NoMeasure {
		var n int64
		for _, h := range f.Hists {
			if h.H == p.Hist && h.Day >= from && h.Day < to && (p.Bin < 0 || DistBinOf(h.B) == p.Bin) {
				n++
			}
		}
		return n
	}
	n := f.Sum(p.Measure, from, to)
	if p.Except != NoMeasure {
		n -= f.Sum(p.Except, from, to)
	}
	return max(n, 0)
}
