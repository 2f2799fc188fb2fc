package dataio

import (
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"reflect"
	"slices"
	"strings"
	"time"

	"aftersales"
)

// Mapping says how the columns of one kind of file become tickets. It is
// written as JSON; the built-in ones live in mappings/.
type Mapping struct {
	Name        string `json:"name"`
	Source      string `json:"source,omitempty"` // namespace of external ids; the name when empty
	Description string `json:"description,omitempty"`
	TimeZone    string `json:"time_zone,omitempty"` // IANA name for dates without a zone
	// Zone is the deployment's zone (--tz), for dates without a zone when
	// the mapping names no TimeZone; set by the caller, never from JSON.
	// Nil means UTC, never the host's own zone.
	Zone      *time.Location `json:"-"`
	Encoding  string         `json:"encoding,omitempty"`
	Delimiter string         `json:"delimiter,omitempty"`
	Sheet     string         `json:"sheet,omitempty"`
	// Missing lists values that mean "no value" besides the empty string.
	Missing []string         `json:"missing,omitempty"`
	Key     Field            `json:"key"`
	Fields  map[string]Field `json:"fields"`
	Custom  map[string]Field `json:"custom,omitempty"`
	// CustomJSON is a column holding a JSON object of custom fields, as an
	// export writes them; its members join Custom's.
	CustomJSON *Field `json:"custom_json,omitempty"`
	// ExternalID is a column holding ids already qualified by their
	// source, as an export writes them: when filled, it is the ticket's
	// external id instead of "<source>:<key>".
	ExternalID *Field `json:"external_id,omitempty"`
	// History makes rows that share a key into one ticket's status history.
	History *History `json:"history,omitempty"`
	// NearDuplicate finds similar text from the same customer or place.
	NearDuplicate *NearDuplicate `json:"near_duplicate,omitempty"`
}

// Field reads one value from a row.
type Field struct {
	Column   string            `json:"column,omitempty"`
	Any      []string          `json:"any,omitempty"`      // the first of these columns the header has
	Join     []string          `json:"join,omitempty"`     // several columns: a path (category) or joined text
	Template string            `json:"template,omitempty"` // text with {Column} placeholders
	Sep      string            `json:"sep,omitempty"`      // splits lists (tags); joins Join for text
	Formats  []string          `json:"formats,omitempty"`  // Go time layouts, tried in order
	Unit     string            `json:"unit,omitempty"`     // of durations written without one
	Map      map[string]string `json:"map,omitempty"`      // source value -> our value
	Default  string            `json:"default,omitempty"`
	Required bool              `json:"required,omitempty"`
}

// History reads one status change from each row.
type History struct {
	Status Field `json:"status"`
	At     Field `json:"at"`
}

// NearDuplicate groups rows by customer (phone, email or id) or by address
// and flags text within Distance bits (SimHash) inside the window.
type NearDuplicate struct {
	By          string `json:"by"` // "customer" or "address"
	WindowHours int    `json:"window_hours"`
	Distance    int    `json:"distance"`
}

// Target fields a mapping may fill.
const (
	FTitle, FDescription, FChannel, FNature, FUrgency, FStatus        = "title", "description", "channel", "nature", "urgency", "status"
	FCreated, FFirstResponse, FAccepted, FResolved, FClosed, FTarget  = "created_at", "first_response_at", "accepted_at", "resolved_at", "closed_at", "target_at"
	FFirstResponseAfter, FResolutionAfter                             = "first_response_after", "resolution_after"
	FCategory, FTeam, FRegion, FProduct, FSerial, FLat, FLng, FCoords = "category", "team", "region", "product", "serial", "lat", "lng", "coordinates"
	FAddress, FTags, FCustName, FCustPhone, FCustEmail, FCustID       = "address", "tags", "customer_name", "customer_phone", "customer_email", "customer_id"
	FReopenCount, FAssignCount                                        = "reopen_count", "assign_count"
	FUpdated, FCancelled, FNumber, FCustRef                           = "updated_at", "cancelled_at", "number", "customer_ref"
)

// TargetFields lists every field name a mapping may use, for the console's
// column-mapping screen and for checking mappings.
var TargetFields = []string{FTitle, FDescription, FChannel, FNature, FUrgency, FStatus, FCreated, FFirstResponse, FAccepted,
	FResolved, FClosed, FTarget, FFirstResponseAfter, FResolutionAfter, FCategory, FTeam, FRegion, FProduct, FSerial, FLat, FLng,
	FCoords, FAddress, FTags, FCustName, FCustPhone, FCustEmail, FCustID, FReopenCount, FAssignCount, FUpdated, FCancelled, FNumber, FCustRef}

//go:embed mappings/*.json
var builtin embed.FS

// Builtin returns the built-in mapping name.
func Builtin(name string) (*Mapping, error) {
	f, err := builtin.Open("mappings/" + name + ".json")
	if err != nil {
		return nil, aftersales.Errorf(aftersales.ENOTFOUND, "There is no built-in mapping %q; built in are %s.", name, strings.Join(BuiltinNames(), ", "))
	}
	defer f.Close()
	return ReadMapping(f)
}

// BuiltinNames lists the built-in mappings.
func BuiltinNames() []string {
	es, _ := builtin.ReadDir("mappings")
	var names []string
	for _, e := range es {
		names = append(names, strings.TrimSuffix(e.Name(), path.Ext(e.Name())))
	}
	return names
}

// ReadMapping reads a mapping from JSON; unknown keys are errors.
func ReadMapping(r io.Reader) (*Mapping, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var m Mapping
	if err := dec.Decode(&m); err != nil {
		reason := err.Error()
		if strings.Contains(reason, "unknown field") {
			reason += "; a mapping has the keys " + strings.Join(jsonKeys(Mapping{}), ", ") + ", a field " +
				strings.Join(jsonKeys(Field{}), ", ") + " (aftersales import --help-mapping explains them)"
		}
		return nil, &aftersales.Error{Code: aftersales.EINVALID, Message: "The mapping could not be read.",
			Fields: []aftersales.FieldError{{Field: "mapping", Reason: reason}}}
	}
	if err := m.validate(); err != nil {
		return nil, err
	}
	return &m, nil
}

func (m *Mapping) validate() error {
	var v aftersales.Validator
	v.Check(m.Name != "", "name", "is required")
	if m.TimeZone != "" {
		_, err := time.LoadLocation(m.TimeZone)
		v.Check(err == nil, "time_zone", "is not a known IANA time zone such as Asia/Shanghai or America/New_York")
	}
	v.Check(m.Key.source(), "key", "needs a column")
	for name, f := range m.Fields {
		v.Check(slices.Contains(TargetFields, name), "fields."+name, "is not a target field; use one of "+strings.Join(TargetFields, ", "))
		v.Check(f.source() || f.Default != "", "fields."+name, "needs a column, columns or a default")
		for from, to := range f.Map {
			if !validEnum(name, to) {
				v.Add("fields."+name+".map."+from, notOneOf(name, to))
			}
		}
		if f.Default != "" && !validEnum(name, f.Default) {
			v.Add("fields."+name+".default", notOneOf(name, f.Default))
		}
	}
	for name, f := range m.Custom {
		v.Check(f.source(), "custom."+name, "needs a column")
	}
	for name, f := range map[string]*Field{"custom_json": m.CustomJSON, "external_id": m.ExternalID} {
		v.Check(f == nil || f.source(), name, "needs a column")
	}
	if m.History != nil {
		for from, to := range m.History.Status.Map {
			if !validEnum(FStatus, to) {
				v.Add("history.status.map."+from, notOneOf(FStatus, to))
			}
		}
		v.Check(m.History.Status.source(), "history.status", "needs a column")
		v.Check(m.History.At.source(), "history.at", "needs a column")
	}
	if n := m.NearDuplicate; n != nil {
		v.Check(n.By == "customer" || n.By == "address", "near_duplicate.by", `is not one of customer, address`)
		v.Check(n.WindowHours > 0, "near_duplicate.window_hours", "must be positive")
		v.Check(n.Distance >= 0 && n.Distance < 32, "near_duplicate.distance", "must be between 0 and 31")
	}
	_, hasCreated := m.Fields[FCreated]
	v.Check(hasCreated, "fields.created_at", "is required")
	_, hasTitle := m.Fields[FTitle]
	v.Check(hasTitle, "fields.title", "is required")
	return v.Err()
}

// jsonKeys lists the JSON names of a struct's fields.
func jsonKeys(v any) []string {
	var out []string
	t := reflect.TypeOf(v)
	for i := range t.NumField() {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); name != "" && name != "-" {
			out = append(out, name)
		}
	}
	return out
}

func (f Field) source() bool {
	return f.Column != "" || len(f.Any) > 0 || len(f.Join) > 0 || f.Template != ""
}

// EnumValues lists the values an enum target field accepts; nil for a
// field that is not an enum.
func EnumValues(field string) []string {
	switch field {
	case FChannel:
		return enumStrings(aftersales.Channels)
	case FNature:
		return enumStrings(aftersales.Natures)
	case FUrgency:
		return enumStrings(aftersales.Urgencies)
	case FStatus:
		return enumStrings(aftersales.Statuses)
	}
	return nil
}

func enumStrings[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

// notOneOf is the reason a value is not one of an enum field's values.
func notOneOf(field, v string) string {
	return fmt.Sprintf("%q is not one of %s", v, strings.Join(EnumValues(field), ", "))
}

func validEnum(field, v string) bool {
	switch field {
	case FChannel:
		return aftersales.Channel(v).Valid()
	case FNature:
		return aftersales.Nature(v).Valid()
	case FUrgency:
		return aftersales.Urgency(v).Valid()
	case FStatus:
		return aftersales.Status(v).Valid()
	}
	return true
}
