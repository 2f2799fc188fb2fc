package analytics

import (
	"fmt"
	"strconv"
	"strings"
)

//go:generate go test -run ^TestKPIDocs$ -update

// The KPI tables of docs/KPIS.md are generated from the Catalog: each
// sits between a start marker naming its section (or "catalog", the
// overview of every KPI) and the end marker, and KPIMarkdown rewrites
// what lies between them. The prose around them is written by hand.
const (
	docMarkPrefix = "<!-- kpis:"
	docMarkEnd    = "<!-- /kpis -->"
	// DocRegenerate is how docs/KPIS.md's tables are regenerated (or
	// go generate ./internal/analytics).
	DocRegenerate = "go test ./internal/analytics -run TestKPIDocs -update"
)

// KPIMarkdown returns doc (docs/KPIS.md) with every generated table
// rewritten from the Catalog. It fails when a section of the catalog has
// no table in doc, or doc has a table the catalog does not know.
func KPIMarkdown(doc string) (string, error) {
	tables := map[string]string{"catalog": catalogTable()}
	for _, s := range DocSections {
		tables[string(s)] = sectionTable(s)
	}
	for _, k := range Catalog {
		if _, ok := tables[string(k.Section)]; !ok {
			return "", fmt.Errorf("KPI %s: unknown docs section %q", k.Key, k.Section)
		}
	}
	var b strings.Builder
	seen := map[string]bool{}
	rest := doc
	for {
		i := strings.Index(rest, docMarkPrefix)
		if i < 0 {
			b.WriteString(rest)
			break
		}
		j := strings.Index(rest[i:], "-->")
		if j < 0 {
			return "", fmt.Errorf("unterminated marker %q", rest[i:min(len(rest), i+40)])
		}
		head := rest[i : i+j+len("-->")]
		name, _, _ := strings.Cut(strings.TrimPrefix(head, docMarkPrefix), " ")
		name = strings.TrimSuffix(name, "-->")
		table, ok := tables[name]
		if !ok {
			return "", fmt.Errorf("docs table %q: no such KPI section", name)
		}
		if seen[name] {
			return "", fmt.Errorf("docs table %q appears twice", name)
		}
		seen[name] = true
		end := strings.Index(rest[i:], docMarkEnd)
		if end < 0 {
			return "", fmt.Errorf("docs table %q has no end marker %s", name, docMarkEnd)
		}
		b.WriteString(rest[:i])
		b.WriteString(head + "\n" + table + docMarkEnd)
		rest = rest[i+end+len(docMarkEnd):]
	}
	for name := range tables {
		if !seen[name] {
			return "", fmt.Errorf("docs/KPIS.md has no table %s%s -->", docMarkPrefix, name)
		}
	}
	return b.String(), nil
}

// sectionTable is the definitions table of a section: consecutive KPIs
// with the same unit, cohort and definition share a row.
func sectionTable(s DocSection) string {
	var b strings.Builder
	b.WriteString("| key | unit | cohort | definition |\n|---|---|---|---|\n")
	var keys []string
	var last KPI
	flush := func() {
		if len(keys) > 0 {
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", strings.Join(keys, ", "), last.Unit, last.Cohort, last.doc())
		}
		keys = nil
	}
	for _, k := range Catalog {
		if k.Section != s {
			continue
		}
		if len(keys) > 0 && (k.Unit != last.Unit || k.Cohort != last.Cohort || k.doc() != last.doc()) {
			flush()
		}
		keys = append(keys, "`"+k.Key+"`")
		last = k
	}
	flush()
	return b.String()
}

// doc is the KPI's definition in docs/KPIS.md.
func (k KPI) doc() string {
	if k.Doc != "" {
		return k.Doc
	}
	return k.Definition
}

// catalogTable is the overview: every KPI with what its declaration says
// beyond the definition.
func catalogTable() string {
	var b strings.Builder
	b.WriteString("| key | unit | better | effect test | distribution | drill-down | tile | computed by |\n|---|---|---|---|---|---|---|---|\n")
	for _, k := range Catalog {
		better := "lower"
		if k.HigherIsBetter {
			better = "higher"
		}
		test := "—"
		switch v, err := k.Verification(); {
		case err != nil:
		case v == VerifyRate:
			test = "two proportions"
		case v == VerifyDuration:
			test = "Mann-Whitney"
			if k.q != 0.5 {
				test += " (level: p" + strconv.Itoa(int(100*k.q)) + ")"
			}
		case v == VerifyMean:
			test = "Welch"
		}
		dist := "—"
		if h, ok := k.Dist(); ok {
			dist = "`" + HistNames[h] + "`"
		}
		drill := "—"
		if d, ok := DrillOf(k); ok {
			switch {
			case d.Money:
				drill = "tickets with cost"
			case d.Ratio && d.Show.Except != NoMeasure:
				drill = d.Counts.String() + " missed"
			case d.Ratio:
				drill = d.Counts.String() + " counted"
			default:
				drill = "tickets"
			}
		} else if k.DrillTo == DrillDispatch {
			drill = "dispatch board"
		}
		tile := ""
		if k.Tile > 0 {
			tile = strconv.Itoa(k.Tile)
		}
		by := k.Store.String()
		if k.Unavailable != "" {
			by = "unavailable"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s | %s | %s | %s |\n", k.Key, k.Unit, better, test, dist, drill, tile, by)
	}
	return b.String()
}
