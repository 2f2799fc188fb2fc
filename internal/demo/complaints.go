package demo

import (
	"fmt"

	"aftersales"
)

// complaints gives the demo's recent complaints their closure records
// (issue #20), in every state: severity and root cause awaiting the
// customer's confirmation, attempts logged that have not reached the
// customer yet, closed as unreachable after three attempts, confirmed and
// closed, and rejected by the customer (reopened and escalated). The
// records are written now, through the service, so their closures count
// on today; older complaints, closed by the imported history, have none.
func (g *gen) complaints() error {
	s, ts := g.s.Complaints, g.s.Tickets
	if s == nil {
		return nil
	}
	ctx := g.ctx
	page, err := ts.ListTickets(ctx, aftersales.TicketFilter{Nature: []aftersales.Nature{aftersales.NatureComplaint},
		Status: []aftersales.Status{aftersales.StatusResolved, aftersales.StatusClosed}, Sort: aftersales.SortCreatedDesc, Limit: 30})
	if err != nil {
		return err
	}
	causes := []string{"man.communication", "man.training", "material.parts_shortage", "method.process_gap", "man.staffing"}
	for i, t := range page.Tickets {
		sev := aftersales.ComplaintSeverities[i%len(aftersales.ComplaintSeverities)]
		rc := causes[i%len(causes)]
		if _, err := s.SetComplaint(ctx, t.ID, aftersales.ComplaintInput{Severity: &sev, RootCause: &rc}); err != nil {
			return fmt.Errorf("complaint %s: %w", t.Number, err)
		}
		attempt := func(res aftersales.AttemptResult, note string) error {
			_, err := s.LogComplaintAttempt(ctx, t.ID, aftersales.ComplaintAttemptInput{Channel: aftersales.ContactPhone, Result: res, Note: note})
			return err
		}
		reopenClosed := func() error {
			cur, err := ts.FindTicket(ctx, t.ID)
			if err != nil || cur.Status != aftersales.StatusClosed {
				return err
			}
			// Closed by the imported history without a closure record:
			// reviewed with the customer again, to close with them.
			for _, to := range []aftersales.Status{aftersales.StatusAccepted, aftersales.StatusResolved} {
				if cur, err = ts.Transition(ctx, t.ID, aftersales.TransitionInput{To: to, Version: cur.Version, Reason: "投诉复核：与客户重新确认"}); err != nil {
					return err
				}
			}
			return nil
		}
		closeIt := func() error {
			cur, err := ts.FindTicket(ctx, t.ID)
			if err != nil {
				return err
			}
			_, err = ts.Transition(ctx, t.ID, aftersales.TransitionInput{To: aftersales.StatusClosed, Version: cur.Version, Reason: "与客户确认后结案"})
			return err
		}
		switch i % 5 {
		case 0: // awaiting the customer's confirmation
		case 1: // two attempts, not reached yet
			for _, res := range []aftersales.AttemptResult{aftersales.AttemptNoAnswer, aftersales.AttemptBusy} {
				if err := attempt(res, ""); err != nil {
					return err
				}
			}
		case 2: // unreachable: three attempts, then closed
			if err := reopenClosed(); err != nil {
				return err
			}
			for _, res := range []aftersales.AttemptResult{aftersales.AttemptNoAnswer, aftersales.AttemptNoAnswer, aftersales.AttemptWrongNumber} {
				if err := attempt(res, "电话无人接听"); err != nil {
					return err
				}
			}
			if err := closeIt(); err != nil {
				return fmt.Errorf("close %s: %w", t.Number, err)
			}
		case 3: // confirmed and closed
			if err := reopenClosed(); err != nil {
				return err
			}
			if _, err := s.AnswerComplaint(ctx, t.ID, aftersales.ComplaintAnswer{Accepted: true, Channel: aftersales.ContactPhone, Note: "问题已解决，认可处理结果"}); err != nil {
				return err
			}
			if err := closeIt(); err != nil {
				return fmt.Errorf("close %s: %w", t.Number, err)
			}
		case 4: // rejected: reopened and escalated
			if _, err := s.AnswerComplaint(ctx, t.ID, aftersales.ComplaintAnswer{Channel: aftersales.ContactPhone, Note: "维修后问题依旧，不同意结案"}); err != nil {
				return err
			}
		}
	}
	return nil
}
