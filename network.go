package aftersales

import (
	"context"
	"strings"
	"unicode/utf8"
)

// MaxNameLen bounds a unit's or a team's name, in characters, in either
// language.
const MaxNameLen = 100

// LocalName is the one rule for a name kept in two languages: English
// screens show the English name when there is one, other screens the
// Chinese (primary) name, and either falls back to the other when its own
// is empty.
func LocalName(locale, zh, en string) string {
	if strings.HasPrefix(locale, "en") && en != "" || zh == "" {
		return en
	}
	return zh
}

// checkNames validates a primary name (required) and an optional English
// one, naming the field that is wrong.
func checkNames(v *Validator, name, nameEN string) {
	v.Check(name != "", "name", "is required")
	v.Text("name", name)
	v.Check(utf8.RuneCountInString(name) <= MaxNameLen, "name", "must be at most 100 characters")
	v.Text("name_en", nameEN)
	v.Check(utf8.RuneCountInString(nameEN) <= MaxNameLen, "name_en", "must be at most 100 characters")
}

// UnitKind is a level of the service network.
type UnitKind string

const (
	UnitRegion       UnitKind = "region"
	UnitBranch       UnitKind = "branch"
	UnitWorkstation  UnitKind = "workstation"
	UnitServicePoint UnitKind = "service_point"
)

// UnitKinds lists the levels from the top down.
var UnitKinds = []UnitKind{UnitRegion, UnitBranch, UnitWorkstation, UnitServicePoint}

// Level is 0 for a region down to 3 for a service point, -1 if unknown.
func (k UnitKind) Level() int {
	for i, x := range UnitKinds {
		if x == k {
			return i
		}
	}
	return -1
}

// ServiceUnit is a node of the multi-level service network: region >
// branch > workstation > service point. A unit's parent is always exactly
// one level up.
type ServiceUnit struct {
	ID         int64    `json:"id"`
	ParentID   *int64   `json:"parent_id,omitempty"`
	Kind       UnitKind `json:"kind"`
	Code       string   `json:"code"`
	Name       string   `json:"name" doc:"The primary (Chinese) name"`
	NameEN     string   `json:"name_en,omitempty" doc:"The English name, shown on English screens when set"`
	Phone      string   `json:"phone,omitempty"`
	Address    Address  `json:"address"`
	Coverage   Coverage `json:"coverage"`
	CalendarID *int64   `json:"calendar_id,omitempty" doc:"Business hours of this unit and the units below it"`
	Active     bool     `json:"active"`
	Version    int64    `json:"version"`
}

// LocalName is the unit's name for a locale (see LocalName).
func (u *ServiceUnit) LocalName(locale string) string { return LocalName(locale, u.Name, u.NameEN) }

// ServiceUnitInput creates or updates a unit.
type ServiceUnitInput struct {
	ParentID   *int64   `json:"parent_id,omitempty"`
	Kind       UnitKind `json:"kind" enum:"region,branch,workstation,service_point"`
	Code       string   `json:"code" maxLength:"50"`
	Name       string   `json:"name" maxLength:"100" doc:"The primary (Chinese) name"`
	NameEN     string   `json:"name_en,omitempty" maxLength:"100" doc:"The English name, optional"`
	Phone      string   `json:"phone,omitempty" maxLength:"40"`
	Address    Address  `json:"address,omitempty"`
	Coverage   Coverage `json:"coverage,omitempty"`
	CalendarID *int64   `json:"calendar_id,omitempty"`
	Active     *bool    `json:"active,omitempty"`
}

// Validate checks a unit; the parent's level is checked by the store.
func (in *ServiceUnitInput) Validate() error {
	var v Validator
	in.Code = strings.TrimSpace(in.Code)
	in.Name, in.NameEN = strings.TrimSpace(in.Name), strings.TrimSpace(in.NameEN)
	v.Check(in.Kind.Level() >= 0, "kind", "must be one of region, branch, workstation, service_point")
	v.Check(validCode(in.Code), "code", "must be lower-case letters, digits, '-' or '_'")
	checkNames(&v, in.Name, in.NameEN)
	if in.Kind == UnitRegion {
		v.Check(in.ParentID == nil, "parent_id", "a region has no parent")
	} else if in.Kind.Level() > 0 {
		v.Check(in.ParentID != nil, "parent_id", "is required below the region level")
	}
	in.Address.validate(&v, "address.")
	v.Check(in.Coverage.RadiusKM >= 0 && in.Coverage.RadiusKM <= 1000, "coverage.radius_km", "must be between 0 and 1000")
	if in.Coverage.RadiusKM > 0 {
		v.Check(in.Address.Lat != nil, "coverage.radius_km", "needs the unit's coordinates (address.lat, address.lng)")
	}
	return v.Err()
}

// DepartmentKind is the function a department serves in cross-department work.
type DepartmentKind string

const (
	DeptAfterSales DepartmentKind = "after_sales"
	DeptTechnical  DepartmentKind = "technical"
	DeptQuality    DepartmentKind = "quality"
	DeptProduction DepartmentKind = "production"
	DeptOther      DepartmentKind = "other"
)

// DepartmentKinds lists the kinds.
var DepartmentKinds = []DepartmentKind{DeptAfterSales, DeptTechnical, DeptQuality, DeptProduction, DeptOther}

// Department is an organisational department.
type Department struct {
	ID     int64          `json:"id,omitempty" readOnly:"true"`
	Code   string         `json:"code"`
	Kind   DepartmentKind `json:"kind" enum:"after_sales,technical,quality,production,other"`
	NameZH string         `json:"name_zh,omitempty"`
	NameEN string         `json:"name_en,omitempty"`
}

// Team is a group of staff that tickets are routed to.
type Team struct {
	ID            int64  `json:"id"`
	Code          string `json:"code"`
	Name          string `json:"name" doc:"The primary (Chinese) name"`
	NameEN        string `json:"name_en,omitempty" doc:"The English name, shown on English screens when set"`
	ServiceUnitID *int64 `json:"service_unit_id,omitempty"`
	DepartmentID  *int64 `json:"department_id,omitempty"`
	Strategy      string `json:"strategy"`
	Capacity      int    `json:"capacity" doc:"Most open tickets per member for automatic assignment; 0 means no limit"`
	CalendarID    *int64 `json:"calendar_id,omitempty" doc:"The team's business hours"`
	Version       int64  `json:"version"`
	Members       int    `json:"members"`
}

// LocalName is the team's name for a locale (see LocalName).
func (t *Team) LocalName(locale string) string { return LocalName(locale, t.Name, t.NameEN) }

// TeamInput creates or updates a team.
type TeamInput struct {
	Code          string `json:"code" maxLength:"50"`
	Name          string `json:"name" maxLength:"100" doc:"The primary (Chinese) name"`
	NameEN        string `json:"name_en,omitempty" maxLength:"100" doc:"The English name, optional"`
	ServiceUnitID *int64 `json:"service_unit_id,omitempty"`
	DepartmentID  *int64 `json:"department_id,omitempty"`
	Strategy      string `json:"strategy,omitempty" enum:"manual,round_robin,least_load,skills,"`
	Capacity      int    `json:"capacity,omitempty" minimum:"0" maximum:"1000"`
	CalendarID    *int64 `json:"calendar_id,omitempty"`
}

// Validate checks a team input.
func (in *TeamInput) Validate() error {
	var v Validator
	in.Code = strings.TrimSpace(in.Code)
	in.Name, in.NameEN = strings.TrimSpace(in.Name), strings.TrimSpace(in.NameEN)
	v.Check(validCode(in.Code), "code", "must be lower-case letters, digits, '-' or '_'")
	checkNames(&v, in.Name, in.NameEN)
	if in.Strategy == "" {
		in.Strategy = StrategyManual
	}
	v.Check(oneOf(in.Strategy, Strategies), "strategy", "must be one of "+strings.Join(Strategies, ", "))
	v.Check(in.Capacity >= 0 && in.Capacity <= 1000, "capacity", "must be between 0 and 1000")
	return v.Err()
}

// NetworkService manages the service network, departments and teams.
type NetworkService interface {
	CreateServiceUnit(ctx context.Context, in ServiceUnitInput) (*ServiceUnit, error)
	UpdateServiceUnit(ctx context.Context, id, version int64, in ServiceUnitInput) (*ServiceUnit, error)
	ListServiceUnits(ctx context.Context) ([]*ServiceUnit, error)
	CreateDepartment(ctx context.Context, d Department) (*Department, error)
	ListDepartments(ctx context.Context) ([]*Department, error)
	CreateTeam(ctx context.Context, in TeamInput) (*Team, error)
	UpdateTeam(ctx context.Context, id, version int64, in TeamInput) (*Team, error)
	ListTeams(ctx context.Context) ([]*Team, error)
}
