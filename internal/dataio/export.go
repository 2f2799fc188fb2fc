package dataio

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"aftersales"

	"github.com/xuri/excelize/v2"
)

// ExportColumns are the columns of a ticket export; the built-in mapping
// "aftersales" reads them back. target_at is the imported target (the
// source system's due date), due_at the SLA engine's resolution deadline,
// which is computed again on import and so not read back; custom holds
// the custom fields as one JSON object. The customer's phone, email and
// external id (customer_ref) find or make the same customer on import.
var ExportColumns = []string{"number", "external_id", "title", "description", "channel", "nature", "urgency", "status",
	"category", "team", "region", "customer", "customer_phone", "customer_email", "customer_ref", "tags", "created_at",
	"first_response_at", "accepted_at", "resolved_at", "closed_at", "cancelled_at", "target_at", "due_at", "reopen_count",
	"assign_count", "custom"}

// Names resolves the ids on a ticket to the names an export shows.
type Names struct {
	Category map[int64]string // full path, "Parent > Child"
	Team     map[int64]string
	Unit     map[int64]string
	// Customer finds a ticket's customer; nil exports the name alone.
	Customer func(id int64) (*aftersales.Customer, error)
}

func (n Names) row(t *aftersales.Ticket) ([]string, error) {
	tm := func(p *time.Time) string {
		if p == nil {
			return ""
		}
		return p.Format(time.RFC3339Nano) // instants are kept to the millisecond
	}
	id := func(m map[int64]string, p *int64) string {
		if p == nil {
			return ""
		}
		return m[*p]
	}
	created := t.CreatedAt
	custom := ""
	if len(t.Custom) > 0 {
		b, _ := json.Marshal(t.Custom) // decoded from JSON: it encodes again
		custom = string(b)
	}
	var c aftersales.Customer
	if t.CustomerID != nil && n.Customer != nil {
		found, err := n.Customer(*t.CustomerID)
		if err != nil {
			return nil, err
		}
		c = *found
	}
	return []string{t.Number, t.ExternalID, t.Title, t.Description, string(t.Channel), string(t.Nature), string(t.Urgency),
		string(t.Status), id(n.Category, t.CategoryID), id(n.Team, t.TeamID), id(n.Unit, t.ServiceUnitID), t.CustomerName,
		c.Phone, c.Email, c.ExternalID, strings.Join(t.Tags, ", "), tm(&created), tm(t.FirstResponseAt), tm(t.AcceptedAt), tm(t.ResolvedAt), tm(t.ClosedAt),
		tm(t.CancelledAt), tm(t.TargetAt), tm(t.ResolutionDueAt), fmt.Sprint(t.ReopenCount), fmt.Sprint(t.AssignCount), custom}, nil
}

// Export writes tickets as "csv" (UTF-8 with a BOM for Excel) or "xlsx",
// streaming: next returns nil at the end.
func Export(w io.Writer, format string, names Names, next func() (*aftersales.Ticket, error)) error {
	switch format {
	case "csv":
		if _, err := io.WriteString(w, "\ufeff"); err != nil {
			return err
		}
		cw := csv.NewWriter(w)
		if err := cw.Write(ExportColumns); err != nil {
			return err
		}
		for {
			t, err := next()
			if err != nil {
				return err
			}
			if t == nil {
				break
			}
			row, err := names.row(t)
			if err != nil {
				return err
			}
			if err := cw.Write(row); err != nil {
				return err
			}
		}
		cw.Flush()
		return cw.Error()
	case "xlsx":
		f := excelize.NewFile()
		defer f.Close()
		const sheet = "Sheet1"
		sw, err := f.NewStreamWriter(sheet)
		if err != nil {
			return err
		}
		cells := func(ss []string) []any {
			out := make([]any, len(ss))
			for i, s := range ss {
				out[i] = s
			}
			return out
		}
		if err := sw.SetRow("A1", cells(ExportColumns)); err != nil {
			return err
		}
		for r := 2; ; r++ {
			t, err := next()
			if err != nil {
				return err
			}
			if t == nil {
				break
			}
			cell, _ := excelize.CoordinatesToCellName(1, r)
			row, err := names.row(t)
			if err != nil {
				return err
			}
			if err := sw.SetRow(cell, cells(row)); err != nil {
				return err
			}
		}
		if err := sw.Flush(); err != nil {
			return err
		}
		return f.Write(w)
	}
	return aftersales.Errorf(aftersales.EINVALID, "format %q is not one of csv, xlsx", format)
}

// ExportNames loads the names an export shows for category, team and unit ids.
func ExportNames(ctx context.Context, s aftersales.Services) (Names, error) {
	n := Names{Category: map[int64]string{}, Team: map[int64]string{}, Unit: map[int64]string{}}
	cats, err := s.Catalog.ListCategories(ctx)
	if err != nil {
		return n, err
	}
	name := map[int64]string{}
	for _, c := range cats {
		name[c.ID] = c.NameZH
		if name[c.ID] == "" {
			name[c.ID] = c.NameEN
		}
	}
	for _, c := range cats {
		var parts []string
		for _, id := range strings.Split(strings.Trim(c.Path, "/"), "/") {
			if n, err := strconv.ParseInt(id, 10, 64); err == nil {
				parts = append(parts, name[n])
			}
		}
		n.Category[c.ID] = strings.Join(parts, " > ")
	}
	teams, err := s.Network.ListTeams(ctx)
	if err != nil {
		return n, err
	}
	for _, t := range teams {
		n.Team[t.ID] = t.Name
	}
	units, err := s.Network.ListServiceUnits(ctx)
	if err != nil {
		return n, err
	}
	for _, u := range units {
		n.Unit[u.ID] = u.Name
	}
	// Tickets of one customer come again and again: each is read once.
	known := map[int64]*aftersales.Customer{}
	n.Customer = func(id int64) (*aftersales.Customer, error) {
		if c, ok := known[id]; ok {
			return c, nil
		}
		c, err := s.Customers.FindCustomer(ctx, id)
		if err != nil {
			return nil, err
		}
		known[id] = c
		return c, nil
	}
	return n, nil
}

// TicketPages walks every page of a ticket list, one ticket at a time.
func TicketPages(ctx context.Context, ts aftersales.TicketService, f aftersales.TicketFilter) func() (*aftersales.Ticket, error) {
	f.Limit = aftersales.MaxListLimit
	var page []*aftersales.Ticket
	done := false
	return func() (*aftersales.Ticket, error) {
		for len(page) == 0 {
			if done {
				return nil, nil
			}
			p, err := ts.ListTickets(ctx, f)
			if err != nil {
				return nil, err
			}
			page, f.Cursor, done = p.Tickets, p.NextCursor, p.NextCursor == ""
		}
		t := page[0]
		page = page[1:]
		return t, nil
	}
}
