package dataio

import (
	"fmt"
	"io"
	"strings"
)

// fieldHelp says what each target field holds, in TargetFields order.
var fieldHelp = map[string]string{
	FTitle:              "(required) short text, cut at 200 characters; a row without one is rejected",
	FDescription:        "long text, cut at 20,000 characters",
	FChannel:            "how the request came in (enum)",
	FNature:             "what kind of request it is (enum)",
	FUrgency:            "(enum)",
	FStatus:             "the ticket's current status (enum); see the closing rule below",
	FCreated:            "(required) when the ticket was opened (date); a row without a readable one is rejected",
	FFirstResponse:      "first answer to the customer (date)",
	FAccepted:           "accepted by the service side (date)",
	FResolved:           "resolved (date); derived from closed_at for closed tickets when absent",
	FClosed:             "closed (date)",
	FCancelled:          "cancelled (date)",
	FTarget:             "the source system's own resolution due date (date; may lie in the future); counts for the resolution SLA when no policy applies",
	FUpdated:            "the source's last-modified time (date); not stored, it dates a closing the source left without a date",
	FFirstResponseAfter: "first response as a duration after created_at: 90, 90 min, 1.5 hours, 2h, 3 days, 45分钟, 1:30 (\"unit\" for bare numbers, minutes by default)",
	FResolutionAfter:    "resolution as a duration after created_at (as above)",
	FCategory:           "a category path (\"join\" several columns, or one column split by \"sep\", default \" > \"); found by name or created",
	FTeam:               "team name; found or created",
	FRegion:             "service unit name (a region is created when none has the name)",
	FProduct:            "product model; must exist in the catalog, else flagged unknown_value and left empty",
	FSerial:             "asset serial number; an asset is found or created for a known product and a customer",
	FLat:                "latitude in decimal degrees (with lng)",
	FLng:                "longitude in decimal degrees (with lat)",
	FCoords:             "\"(lat, lng)\" in one column",
	FAddress:            "address text",
	FTags:               "tags, split by \"sep\" (default \",\")",
	FCustName:           "customer name; kept as the custom field \"customer\" when there is nothing to find the customer by",
	FCustPhone:          "customer phone; normalised, and used to find the customer when there is no customer_id",
	FCustEmail:          "customer email; used to find the customer when there is neither customer_id nor phone",
	FCustID:             "the customer's id in the source system; customers are found by it, else by phone or email, else created",
	FReopenCount:        "times reopened (whole number)",
	FAssignCount:        "times assigned (whole number)",
	FCustRef:            "the customer's external id as an export writes it (already qualified by its source); customers are found by it",
	FNumber:             "a ticket number to keep (an export's): taken when free; a stored ticket with this number and creation time is the same ticket",
}

// WriteMappingHelp writes what a user needs to write a mapping without
// reading the source: the mapping's keys, the target fields, the date
// layouts, the accepted enum values and what must exist beforehand.
func WriteMappingHelp(w io.Writer) error {
	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	p(`A mapping is a JSON file that says how the columns of one kind of file become tickets.
Start from a built-in one (%s):

  aftersales mapping show boston311 > my.json
  aftersales import --mapping my.json --dry-run FILE    # checks everything, writes FILE.report.csv, keeps nothing

Keys of a mapping (unknown keys are errors):
  name            (required) the mapping's name
  source          namespace of the external ids "<source>:<key>" (default: name)
  description     free text
  time_zone       IANA zone of dates written without one, e.g. "America/New_York", "Asia/Shanghai"
  encoding        utf-8 (default, with or without BOM), gbk or gb18030
  delimiter       CSV delimiter: , ; | or \t (default: sniffed from the header)
  sheet           XLSX sheet (default: the first)
  missing         values meaning "no value" besides the empty string, e.g. ["N/A", "?"]
  key             (required) a field giving each row's id in the source, e.g. {"column": "Case ID"};
                  re-importing the same key updates that ticket (or leaves it unchanged)
  external_id     a column of ids already qualified by their source (an export's external_id)
  fields          target fields (below); title and created_at are required
  custom          extra fields kept on the ticket as text: {"ward": {"column": "Ward"}}
  custom_json     a column holding a JSON object of custom fields (an export's custom)
  history         {"status": FIELD, "at": FIELD}: consecutive rows with one key fold into one ticket
                  with this status history (an event log)
  near_duplicate  {"by": "customer" or "address", "window_hours": 72, "distance": 3}: flags similar text

A field reads one value from a row; give one of column, any, join, template, or only a default:
  column      one column, by its header text
  any         the first of these columns the header has: ["Company response to consumer", "Company response"]
  join        several columns: a category path, or text joined by sep
  template    text with {Column} placeholders: "{category} / {subcategory}"
  sep         splits lists (tags, category) or joins "join" text
  formats     date layouts, tried in order (below)
  unit        unit of bare numbers in durations: minutes (default), hours, days
  map         source value -> accepted value: {"Closed": "closed", "Open": "new"}
  default     used when the value is empty or not in the map (the row is flagged)
  required    reject the row when the value is empty

Target fields:
`, strings.Join(BuiltinNames(), ", "))
	for _, f := range TargetFields {
		p("  %-21s %s\n", f, fieldHelp[f])
	}
	p(`
Accepted values of the enum fields (map the source's values onto these):
`)
	for _, f := range []string{FChannel, FNature, FUrgency, FStatus} {
		p("  %-8s %s\n", f, strings.Join(EnumValues(f), ", "))
	}
	p(`A value outside them rejects the row, naming them: urgency: "super" is not one of urgent, high, normal, low.

Dates: a layout writes Go's reference time, Mon Jan 2 15:04:05 2006 (01 month, 02 day, 2006 year,
15 or 03 hour with PM, 04 minute, 05 second, Z07:00 zone), the way your file writes dates:
  "01/02/2006 03:04:05 PM"     reads 12/31/2015 11:20:09 PM
  "2/1/2006 15:04"             reads 29/2/2016 01:16 (day first, no leading zeros)
  "2006-01-02"                 reads 2015-12-31
  "2006-01-02T15:04:05Z07:00"  reads 2015-12-31T23:20:09Z (RFC 3339; fractions of a second are read too)
Without formats: %s,
and Excel serial day numbers. Dates before 1990 or in the future are flagged and left empty (a target may lie ahead);
a closing before the opening is flagged and left empty.

Closing rule: a row whose status is resolved, closed or cancelled without a usable date for it keeps its status; the
missing time becomes the last known event time (updated_at, the latest history entry or milestone, else created_at)
and the row is flagged closing_date_missing.

What must exist beforehand: product models (catalog, Products page), when the mapping names product. Categories,
teams, service units (regions) and customers are found by name (customers by customer_id, phone or email) or created.
Rows are attributed to a staff user with the data import permission: --user EMAIL, else the administrator
(AFTERSALES_ADMIN_EMAIL), else the first administrator; on a database without users (after migrate, before any serve)
the administrator is created as serve does, its password printed once. The summary names the user ("user").
`, strings.Join(quoted(defaultLayouts), ", "))
	_, err := io.WriteString(w, b.String())
	return err
}

func quoted(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}

// BuiltinJSON returns the JSON text of the built-in mapping name.
func BuiltinJSON(name string) ([]byte, error) {
	if _, err := Builtin(name); err != nil {
		return nil, err
	}
	return builtin.ReadFile("mappings/" + name + ".json")
}
