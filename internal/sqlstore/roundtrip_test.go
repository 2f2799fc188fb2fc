package sqlstore_test

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/dataio"
	"aftersales/internal/sqlstore"
	. "aftersales/internal/testutil"

	"github.com/google/go-cmp/cmp"
)

// exported is what an export must carry from one installation to another.
type exported struct {
	Number, ExternalID, Title, Description                         string
	Channel                                                        aftersales.Channel
	Nature                                                         aftersales.Nature
	Urgency                                                        aftersales.Urgency
	Status                                                         aftersales.Status
	Category, Team, Region, Customer                               string
	Tags                                                           []string
	Custom                                                         map[string]any
	Created                                                        time.Time
	FirstResponse, Accepted, Resolved, Closed, Cancelled, TargetAt *time.Time
	ReopenCount, AssignCount                                       int
}

func exportedTickets(t *testing.T, ctx context.Context, db *sqlstore.DB) map[string]exported {
	t.Helper()
	names, err := dataio.ExportNames(ctx, db.Services())
	if err != nil {
		t.Fatal(err)
	}
	name := func(m map[int64]string, id *int64) string {
		if id == nil {
			return ""
		}
		return m[*id]
	}
	out := map[string]exported{}
	next := dataio.TicketPages(ctx, db, aftersales.TicketFilter{})
	for {
		tk, err := next()
		if err != nil {
			t.Fatal(err)
		}
		if tk == nil {
			return out
		}
		out[tk.Number] = exported{tk.Number, tk.ExternalID, tk.Title, tk.Description, tk.Channel, tk.Nature, tk.Urgency, tk.Status,
			name(names.Category, tk.CategoryID), name(names.Team, tk.TeamID), name(names.Unit, tk.ServiceUnitID), tk.CustomerName, tk.Tags, tk.Custom,
			tk.CreatedAt, tk.FirstResponseAt, tk.AcceptedAt, tk.ResolvedAt, tk.ClosedAt, tk.CancelledAt, tk.TargetAt, tk.ReopenCount, tk.AssignCount}
	}
}

func exportCSV(t *testing.T, ctx context.Context, db *sqlstore.DB) []byte {
	t.Helper()
	names, err := dataio.ExportNames(ctx, db.Services())
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := dataio.Export(&buf, "csv", names, dataio.TicketPages(ctx, db, aftersales.TicketFilter{})); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func importBytes(t *testing.T, ctx context.Context, db *sqlstore.DB, b []byte) *aftersales.ImportSummary {
	t.Helper()
	m, err := dataio.Builtin("aftersales")
	if err != nil {
		t.Fatal(err)
	}
	s, err := dataio.Import(ctx, db, bytes.NewReader(b), m, "export.csv", false, func() time.Time { return importNow }, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Export, then import with the "aftersales" mapping, is an identity: into
// the installation it came from it creates nothing (tickets are found by
// external id, or by number and creation time when they have none) and
// detaches no customer; into a fresh one it makes the same tickets with
// the same numbers, custom fields and imported targets.
func TestExportImportRoundTrip(t *testing.T) {
	nyc := SharedData(t, "nyc_311_sample_2000_2011.csv")
	for _, e := range Engines() {
		t.Run(string(e), func(t *testing.T) {
			src := OpenDB(t, e)
			src.Now = func() time.Time { return importNow }
			ctx, _ := Admin(t, src)
			s := importFile(t, ctx, src, "nyc311", nyc, false)
			// Two tickets made in the console: one for a customer with a
			// phone and email, one for a customer known by name alone.
			cust, err := src.CreateCustomer(ctx, aftersales.CustomerInput{Name: "王芳", Phone: "13800138000", Email: "wang@example.com"})
			if err != nil {
				t.Fatal(err)
			}
			nameOnly, err := src.CreateCustomer(ctx, aftersales.CustomerInput{Name: "张伟"})
			if err != nil {
				t.Fatal(err)
			}
			native := MustTicket(t, ctx, src, cust.ID, "空调不制冷")
			native2 := MustTicket(t, ctx, src, nameOnly.ID, "热水器漏水")
			want := exportedTickets(t, ctx, src)
			if len(want) != s.Created+2 {
				t.Fatalf("%d tickets, want %d", len(want), s.Created+2)
			}
			var targets, customs int
			for _, x := range want {
				if x.TargetAt != nil {
					targets++
				}
				if len(x.Custom) > 0 {
					customs++
				}
			}
			if targets == 0 || customs == 0 {
				t.Fatalf("the sample lost its targets (%d) or custom fields (%d) on import", targets, customs)
			}
			file := exportCSV(t, ctx, src)

			again := importBytes(t, ctx, src, file)
			if again.Created != 0 || again.Rejected != 0 || again.Updated+again.Duplicates != len(want) {
				t.Fatalf("re-import into the source: %+v, want 0 created of %d", again, len(want))
			}
			if n := src.CountForTest(ctx, `SELECT count(*) FROM tickets`); n != int64(len(want)) {
				t.Fatalf("%d tickets after re-import, want %d", n, len(want))
			}
			for _, n := range []struct {
				tk   *aftersales.Ticket
				cust int64
			}{{native, cust.ID}, {native2, nameOnly.ID}} {
				back, err := src.FindTicket(ctx, n.tk.ID)
				if err != nil || back.CustomerID == nil || *back.CustomerID != n.cust || back.Number != n.tk.Number {
					t.Fatalf("the console's ticket after re-import: %+v %v", back, err)
				}
			}
			if n := src.CountForTest(ctx, `SELECT count(*) FROM customers`); n != 2 {
				t.Fatalf("%d customers after re-import, want 2", n)
			}
			if again := importBytes(t, ctx, src, file); again.Duplicates != len(want) {
				t.Fatalf("third import: %+v, want all unchanged", again)
			}

			dst := OpenDB(t, e)
			dst.Now = src.Now
			dctx, _ := Admin(t, dst)
			fresh := importBytes(t, dctx, dst, file)
			if fresh.Created != len(want) || fresh.Rejected != 0 {
				t.Fatalf("import into a fresh installation: %+v, want %d created", fresh, len(want))
			}
			got := exportedTickets(t, dctx, dst)
			// The console's tickets had no external id; they now name where
			// they came from. The customer with a phone is there again; the
			// one known by name alone is kept as the custom field "customer".
			for _, n := range []string{native.Number, native2.Number} {
				w := want[n]
				w.ExternalID = "aftersales:" + n
				want[n] = w
			}
			w := want[native2.Number]
			w.Customer, w.Custom = "", map[string]any{"customer": "张伟"}
			want[native2.Number] = w
			if n := dst.CountForTest(dctx, `SELECT count(*) FROM customers WHERE name = '王芳' AND phone = '13800138000' AND email = 'wang@example.com'`); n != 1 {
				t.Fatalf("%d customers 王芳 with phone and email in the fresh installation", n)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("fresh installation differs (-source +copy):\n%s", diff)
			}
			// New tickets there do not collide with the numbers kept.
			lei, err := dst.CreateCustomer(dctx, aftersales.CustomerInput{Name: "李雷", Phone: "13900139000"})
			if err != nil {
				t.Fatal(err)
			}
			tk := MustTicket(t, dctx, dst, lei.ID, "新工单")
			if _, dup := want[tk.Number]; dup {
				t.Fatalf("new ticket number %s collides with an imported one", tk.Number)
			}
			t.Logf("%s and 2 console tickets: %d tickets (%d with a target, %d with custom fields) round-tripped", filepath.Base(nyc), len(want), targets, customs)
		})
	}
}
