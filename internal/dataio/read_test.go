package dataio

import (
	"strings"
	"testing"
	"time"

	"aftersales"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// The Boston mapping's rows read the same whatever the file's shape:
// quoted fields with commas, quotes and line breaks, CRLF, a BOM, GBK,
// empty cells. Dates take the quick way or time.Parse's with the same
// outcome: a one-digit hour is not the layout's 03 (flagged), a fraction
// of a second after 05 is read (as time.Parse does), and a day out of
// range rejects the row naming the field.
func TestReadBostonShapes(t *testing.T) {
	m, err := Builtin("boston311")
	if err != nil {
		t.Fatal(err)
	}
	header := "CASE_ENQUIRY_ID,OPEN_DT,TARGET_DT,CLOSED_DT,OnTime_Status,CASE_STATUS,CLOSURE_REASON,CASE_TITLE,SUBJECT,REASON,TYPE,QUEUE,Department,Location,neighborhood,ward,LOCATION_ZIPCODE,Source,Geocoded_Location\n"
	rows := "" +
		`1,01/01/2015 12:20:09 AM,,01/02/2015 09:08:42 AM,ONTIME,Closed,"Case Closed, ""noted""",Other,Mayor's Hotline,Notification,Notification,INFO,INFO,33 Beacon St,Downtown,Ward 5,2108.0,Constituent Call,"(42.3574, -71.0648)"` + "\n" +
		`2,03/08/2015 02:30:00 PM,03/09/2015 8:30:00 AM,,,Open,,"路灯
不亮",Public Works,Street Lights,Street Light Outages,PWDx,PWDx,,,,,Self Service,"(0, 0)"` + "\n" +
		`3,02/30/2015 10:00:00 AM,,,,Open,,x,s,r,Pothole,q,d,,,,,Twitter,` + "\n" +
		`4,12/31/2015 11:59:59 PM,,12/31/2015 11:59:59.5 PM,,Closed,,x,s,r,Pothole,q,d,,,,,Twitter,` + "\n" +
		"\n"
	type out struct {
		Ext, Title, Desc, Status, Channel string
		Created                           string
		Target, Closed                    string
		Category                          []string
		Custom                            map[string]any
		Lat                               float64
		Flags                             []string
	}
	show := func(p *time.Time) string {
		if p == nil {
			return ""
		}
		return p.Format(time.RFC3339Nano)
	}
	want := []out{
		{Ext: "boston311:1", Title: "Notification", Desc: "Other", Status: "closed", Channel: "phone", Created: "2015-01-01T00:20:09-05:00",
			Closed: "2015-01-02T09:08:42-05:00", Category: []string{"Mayor's Hotline", "Notification", "Notification"},
			Custom: map[string]any{"closure_reason": `Case Closed, "noted"`, "department": "INFO", "ontime_status": "ONTIME",
				"source": "Constituent Call", "ward": "Ward 5", "zipcode": "2108.0"}, Lat: 42.3574},
		{Ext: "boston311:2", Title: "Street Light Outages", Desc: "路灯\n不亮", Status: "new", Channel: "web",
			Created: "2015-03-08T14:30:00-04:00", Category: []string{"Public Works", "Street Lights", "Street Light Outages"},
			Custom: map[string]any{"department": "PWDx", "source": "Self Service"}, Flags: []string{aftersales.FlagBadFormat, aftersales.FlagZeroCoords}},
		{Ext: "boston311:4", Title: "Pothole", Desc: "x", Status: "closed", Channel: "social", Created: "2015-12-31T23:59:59-05:00",
			Closed: "2015-12-31T23:59:59.5-05:00", Category: []string{"s", "r", "Pothole"}, Custom: map[string]any{"department": "d", "source": "Twitter"}},
	}
	gbk, err := simplifiedchinese.GBK.NewEncoder().String(header + rows)
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string]string{
		"utf-8": header + rows,
		"bom":   "\ufeff" + header + rows,
		"crlf":  strings.ReplaceAll(header+rows, "\n", "\r\n"),
		"gbk":   gbk,
	} {
		t.Run(name, func(t *testing.T) {
			recs, rej, n := readAll(t, []byte(data), m)
			if n != 4 {
				t.Errorf("rows %d, want 4", n)
			}
			var got []out
			for _, r := range recs {
				o := out{Ext: r.ExternalID, Title: r.Title, Desc: r.Description, Status: string(r.Status), Channel: string(r.Channel),
					Created: r.CreatedAt.Format(time.RFC3339), Target: show(r.TargetAt), Closed: show(r.ClosedAt), Category: r.Category, Custom: r.Custom}
				if r.Lat != nil {
					o.Lat = *r.Lat
				}
				for _, f := range r.Flags {
					o.Flags = append(o.Flags, f.Kind)
				}
				got = append(got, o)
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("records (-want +got):\n%s", d)
			}
			if len(rej) != 1 || rej[0].Line != 5 || rej[0].Field != FCreated || rej[0].Value != "02/30/2015 10:00:00 AM" ||
				!strings.Contains(rej[0].Reason, "01/02/2006 03:04:05 PM") {
				t.Errorf("rejected %+v, want line 5's created_at", rej)
			}
		})
	}
}
