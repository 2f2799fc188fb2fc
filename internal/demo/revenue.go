package demo

import (
	"math"
	"sort"
	"strconv"

	"aftersales"
)

// costRatio is each product group's after-sales cost as a share of its
// sales: air conditioners and water heaters need installers on site,
// televisions rarely do.
var costRatio = map[string]float64{"ac": 0.026, "washer": 0.019, "fridge": 0.014, "heater": 0.023, "tv": 0.011}

// revenue records the sales of every finished month, as finance would
// after the month-end close: per product sub-category, for the whole
// company (their sum) and per region (the total shared out by each
// region's service cost, discounted where service is known to be dear),
// so the cost ratio can be read overall, by category and by region. The
// month still running has no revenue yet.
func (g *gen) revenue(w *world, b *aftersales.Bulk) error {
	if g.s.Costs == nil || len(b.Costs) == 0 {
		return nil
	}
	loc := g.opt.Zone
	current := g.ends.In(loc).Format("2006-01")
	groupOf := map[int64]string{}
	for code, id := range w.subCat {
		for _, ps := range products {
			if ps.sub == code {
				groupOf[id] = ps.group
			}
		}
	}
	regionOf, slow := map[int64]int64{}, map[int64]float64{}
	for _, p := range w.points {
		regionOf[p.unit.ID] = p.region
		slow[p.region] = math.Max(slow[p.region], p.slow)
	}
	tickets := make(map[int64]*aftersales.Ticket, len(b.Tickets))
	for _, t := range b.Tickets {
		tickets[t.ID] = t
	}
	type key struct {
		month string
		id    int64
	}
	catCost, regCost := map[key]float64{}, map[key]float64{}
	for _, c := range b.Costs {
		m := string(c.IncurredOn)[:7]
		if m == current {
			continue
		}
		t := tickets[c.TicketID]
		if t.CategoryID != nil {
			catCost[key{m, *t.CategoryID}] += float64(c.Amount)
		}
		if t.ServiceUnitID != nil {
			if r, ok := regionOf[*t.ServiceUnitID]; ok {
				regCost[key{m, r}] += float64(c.Amount)
			}
		}
	}
	var rows []*aftersales.Revenue
	total := map[string]float64{}
	round := func(fen float64) aftersales.Money { return aftersales.Money(math.Round(fen/1e6) * 1e6) } // whole ten-thousands of yuan
	// Draw the noise in a fixed order: the same seed gives the same sales.
	keys := make([]key, 0, len(catCost))
	for k := range catCost {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		return keys[i].month < keys[j].month || keys[i].month == keys[j].month && keys[i].id < keys[j].id
	})
	for _, k := range keys {
		cost := catCost[k]
		ratio := costRatio[groupOf[k.id]] * math.Exp(g.cr.NormFloat64()*0.08)
		amount := round(cost / ratio)
		if amount <= 0 {
			continue
		}
		total[k.month] += float64(amount)
		rows = append(rows, &aftersales.Revenue{Month: k.month, Dim: aftersales.DimCategory, Value: strconv.FormatInt(k.id, 10), Amount: amount, Note: "ERP 月结"})
	}
	weight := map[string]float64{}
	for k, cost := range regCost {
		weight[k.month] += cost / slow[k.id]
	}
	for k, cost := range regCost {
		if amount := round(total[k.month] * cost / slow[k.id] / weight[k.month]); amount > 0 {
			rows = append(rows, &aftersales.Revenue{Month: k.month, Dim: aftersales.DimRegion, Value: strconv.FormatInt(k.id, 10), Amount: amount, Note: "ERP 月结"})
		}
	}
	for m, amount := range total {
		rows = append(rows, &aftersales.Revenue{Month: m, Amount: aftersales.Money(amount), Note: "ERP 月结"})
	}
	// Map order is random: sort so the same seed stores the same rows.
	sort.Slice(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		if a.Month != b.Month {
			return a.Month < b.Month
		}
		if a.Dim != b.Dim {
			return a.Dim < b.Dim
		}
		return a.Value < b.Value
	})
	if len(rows) == 0 {
		return nil
	}
	return g.s.Costs.SetRevenue(g.ctx, rows)
}
