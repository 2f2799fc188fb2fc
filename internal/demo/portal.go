package demo

import (
	"context"
	"fmt"

	"aftersales"
)

// Demo portal sign-ins (issue #20): README prints them.
const (
	PortalPassword     = "portal-demo-1"
	PortalPersonEmail  = "wang.portal@example.com"
	PortalCompanyAdmin = "admin.portal@example.com"
	PortalCompanyClerk = "clerk.portal@example.com"
)

// portalUsers gives two demo customers portal sign-ins: a person with an
// open ticket, and a company whose admin sees its tickets while its clerk
// sees only what they open. Both sign in with PortalPassword (or a link).
func (g *gen) portalUsers(b *aftersales.Bulk) error {
	if g.s.Portal == nil {
		return nil
	}
	kind := map[int64]aftersales.CustomerKind{}
	for _, c := range b.Customers {
		kind[c.ID] = c.Kind
	}
	var person, company int64
	for i := len(b.Tickets) - 1; i >= 0 && (person == 0 || company == 0); i-- {
		t := b.Tickets[i]
		if t.CustomerID == nil || !t.Status.Open() {
			continue
		}
		switch k := kind[*t.CustomerID]; {
		case k == aftersales.CustomerPerson && person == 0:
			person = *t.CustomerID
		case k == aftersales.CustomerCompany && company == 0:
			company = *t.CustomerID
		}
	}
	// A short demo may have no open ticket of a company: any company then.
	for _, c := range b.Customers {
		switch {
		case c.Kind == aftersales.CustomerCompany && company == 0:
			company = c.ID
		case c.Kind == aftersales.CustomerPerson && person == 0:
			person = c.ID
		}
	}
	if company == 0 { // a very short demo may have no company customer at all
		c, err := g.s.Customers.CreateCustomer(g.ctx, aftersales.CustomerInput{Kind: aftersales.CustomerCompany, Name: "成都锦江酒店",
			Phone: "02860000000", Tier: aftersales.TierCore})
		if err != nil {
			return err
		}
		company = c.ID
		// One of the history's open tickets becomes the company's, so the
		// demo keeps the number of tickets it was asked for.
		for i := len(b.Tickets) - 1; i >= 0; i-- {
			bt := b.Tickets[i]
			if bt.CustomerID == nil || *bt.CustomerID == person || bt.AssetID != nil || !bt.Status.Open() {
				continue
			}
			t, err := g.s.Tickets.FindTicket(g.ctx, bt.ID)
			if err != nil {
				return err
			}
			if _, err := g.s.Tickets.UpdateTicket(g.ctx, t.ID, t.Version, aftersales.TicketInput{CustomerID: &company}); err != nil {
				return fmt.Errorf("ticket %s to the company: %w", t.Number, err)
			}
			break
		}
	}
	invites := []struct {
		customer int64
		in       aftersales.PortalInvite
	}{
		{person, aftersales.PortalInvite{Email: PortalPersonEmail, Name: "王女士", Role: aftersales.PortalAdmin}},
		{company, aftersales.PortalInvite{Email: PortalCompanyAdmin, Name: "陈经理", Role: aftersales.PortalAdmin}},
		{company, aftersales.PortalInvite{Email: PortalCompanyClerk, Name: "前台小刘", Role: aftersales.PortalMember}},
	}
	for _, iv := range invites {
		if iv.customer == 0 {
			continue
		}
		u, err := g.s.Portal.InvitePortalUser(g.ctx, iv.customer, iv.in)
		if err != nil {
			return err
		}
		if err := g.s.Portal.SetPortalPassword(aftersales.NewContextWithPortalUser(context.WithoutCancel(g.ctx), u), PortalPassword); err != nil {
			return err
		}
	}
	return nil
}
