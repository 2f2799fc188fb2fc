// Package analytics owns the arithmetic of service quality: the KPI
// catalog (one declaration per KPI, catalog.go, from which docs/KPIS.md's
// tables are generated) and what each ticket contributes to it, mergeable duration
// sketches with a 1% relative-error bound (hist.go), control charts with run rules, Pareto analysis and the
// statistical tests behind before/after comparisons. It is pure: no
// database, no HTTP, no clock. Formulas and test vectors follow
// ../shared/reference/methods.md (§1 KPIs, §2 SPC, §3 tests, §4 Pareto).
package analytics
