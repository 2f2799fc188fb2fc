package console

import "aftersales"

// CanMetrics reports whether the signed-in user may read the quality
// metrics: the dashboard, the alerts, the voice of the customer and the
// knowledge-base report. Pages everyone opens (the improvement board, the
// follow-up queue, the knowledge base, a ticket) link to those only for
// the roles that can follow the link.
func (p *Page) CanMetrics() bool {
	return p.User != nil && p.User.Role.Can(aftersales.PermMetricsRead)
}
