package api

import (
	"context"
	"net/http"

	"aftersales"

	"github.com/danielgtaylor/huma/v2"
)

// CustomerDetail is a customer with its tier's standing: whether the
// tier is locked against the segment rules, and why the rules gave it.
type CustomerDetail struct {
	aftersales.Customer
	TierLocked bool `json:"tier_locked" doc:"The tier is locked: the segment rules leave it as it is"`
	// TierReason is absent when the tier was set by hand (or before any
	// rule ran): the stored reason belongs to the tier the rules gave.
	TierReason *aftersales.SegmentReason `json:"tier_reason,omitempty" doc:"Why the segment rules gave the customer its tier: the rule (its position from 1; 0: no rule matched and the default tier applied), the tier, the look-back window in months, the rule's conditions and the customer's counts over that window. Absent when the tier was set by hand."`
}

// tierLockBody locks or unlocks a customer's tier.
type tierLockBody struct {
	Locked bool `json:"locked" required:"true" doc:"true: the segment rules leave the tier as it is; false: they may change it again"`
}

// customerDetail reads a customer with its tier's lock and reason.
func (a *API) customerDetail(ctx context.Context, id int64) (*body[*CustomerDetail], error) {
	c, err := a.S.Customers.FindCustomer(ctx, id)
	if err != nil {
		return nil, err
	}
	d := &CustomerDetail{Customer: *c}
	if d.TierLocked, err = a.S.Segments.TierLocked(ctx, id); err != nil {
		return nil, err
	}
	r, err := a.S.Segments.CustomerTierReason(ctx, id)
	if err != nil {
		return nil, err
	}
	if r.Tier != "" && r.Tier == c.Tier {
		d.TierReason = &r
	}
	return tagged(d, c.Version), nil
}

// customerTier mounts the tier lock (issue #20): the same change, with the
// same permission (customers.write) and audit entry, as the console's
// lock button.
func (a *API) customerTier(h huma.API) {
	register(a, h, huma.Operation{OperationID: "set-customer-tier-lock", Method: http.MethodPut, Path: "/customers/{id}/tier-lock", Tags: tag("Customers"),
		Summary:     "Lock or unlock a customer's tier against the segment rules",
		Description: "A locked tier stays as it is when the segment rules are evaluated; unlocked, the next evaluation may change it. Recorded in the audit log (tier.lock or tier.unlock). Answers the customer with its tier's standing."},
		func(ctx context.Context, in *struct {
			IDParam
			Body tierLockBody
		}) (*body[*CustomerDetail], error) {
			if err := a.S.Segments.SetTierLock(ctx, in.ID, in.Body.Locked); err != nil {
				return nil, err
			}
			return a.customerDetail(ctx, in.ID)
		})
}
