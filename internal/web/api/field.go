package api

import (
	"context"
	"fmt"
	"net/http"

	"aftersales"
	"aftersales/internal/field"

	"github.com/danielgtaylor/huma/v2"
)

// parts mounts the spare parts catalog, stock locations, balances, the
// stock ledger, and a ticket's reservations.
func (a *API) parts(h huma.API) {
	t := tag("Parts")
	register(a, h, huma.Operation{OperationID: "list-parts", Method: http.MethodGet, Path: "/parts", Tags: t,
		Summary: "The parts catalog by part number; q matches a number, a name or a product model"},
		func(ctx context.Context, in *struct {
			Q string `query:"q" maxLength:"100"`
		}) (*plain[[]*aftersales.Part], error) {
			return respond(a.S.Parts.ListParts(ctx, in.Q))
		})
	register(a, h, huma.Operation{OperationID: "create-part", Method: http.MethodPost, Path: "/parts", Tags: t,
		Summary: "Add a part to the catalog (part numbers are unique; amounts in fen)"},
		func(ctx context.Context, in *struct {
			Idem
			Body aftersales.PartInput
		}) (*plain[*aftersales.Part], error) {
			return respond(a.S.Parts.CreatePart(ctx, in.Body))
		})
	register(a, h, huma.Operation{OperationID: "get-part", Method: http.MethodGet, Path: "/parts/{id}", Tags: t, Summary: "One part"},
		func(ctx context.Context, in *IDParam) (*plain[*aftersales.Part], error) {
			return respond(a.S.Parts.FindPart(ctx, in.ID))
		})
	register(a, h, huma.Operation{OperationID: "update-part", Method: http.MethodPut, Path: "/parts/{id}", Tags: t,
		Summary: "Change a part (needs the version last read)"},
		func(ctx context.Context, in *struct {
			IDParam
			IfMatch
			Body aftersales.PartInput
		}) (*plain[*aftersales.Part], error) {
			v, err := in.version(0)
			if err != nil {
				return nil, err
			}
			return respond(a.S.Parts.UpdatePart(ctx, in.ID, v, in.Body))
		})
	register(a, h, huma.Operation{OperationID: "list-stock-locations", Method: http.MethodGet, Path: "/stock-locations", Tags: t,
		Summary: "Warehouses, service points' stock and technicians' vans"},
		func(ctx context.Context, in *struct{}) (*plain[[]*aftersales.StockLocation], error) {
			return respond(a.S.Parts.ListStockLocations(ctx))
		})
	register(a, h, huma.Operation{OperationID: "create-stock-location", Method: http.MethodPost, Path: "/stock-locations", Tags: t,
		Summary: "Add a stock location: a service point's links to its service unit, a van to its technician"},
		func(ctx context.Context, in *struct {
			Idem
			Body aftersales.StockLocationInput
		}) (*plain[*aftersales.StockLocation], error) {
			return respond(a.S.Parts.CreateStockLocation(ctx, in.Body))
		})
	register(a, h, huma.Operation{OperationID: "update-stock-location", Method: http.MethodPut, Path: "/stock-locations/{id}", Tags: t,
		Summary: "Change a stock location (needs the version last read)"},
		func(ctx context.Context, in *struct {
			IDParam
			IfMatch
			Body aftersales.StockLocationInput
		}) (*plain[*aftersales.StockLocation], error) {
			v, err := in.version(0)
			if err != nil {
				return nil, err
			}
			return respond(a.S.Parts.UpdateStockLocation(ctx, in.ID, v, in.Body))
		})
	type stockQuery struct {
		PartID     int64 `query:"part_id" minimum:"0"`
		LocationID int64 `query:"location_id" minimum:"0"`
		Reorder    bool  `query:"reorder" doc:"Only balances at or below their reorder point"`
	}
	register(a, h, huma.Operation{OperationID: "list-stock", Method: http.MethodGet, Path: "/stock", Tags: t,
		Summary: "Balances per part and location: on hand, reserved, available, reorder point and the suggested order"},
		func(ctx context.Context, in *stockQuery) (*plain[[]*aftersales.StockBalance], error) {
			return respond(a.S.Parts.ListStock(ctx, aftersales.StockFilter{PartID: in.PartID, LocationID: in.LocationID, Reorder: in.Reorder}))
		})
	register(a, h, huma.Operation{OperationID: "export-stock", Method: http.MethodGet, Path: "/stock/export", Tags: t,
		Summary: "Balances as CSV (UTF-8 with BOM); the file imports back as a stock count"},
		func(ctx context.Context, in *stockQuery) (*huma.StreamResponse, error) {
			bs, err := a.S.Parts.ListStock(ctx, aftersales.StockFilter{PartID: in.PartID, LocationID: in.LocationID, Reorder: in.Reorder})
			if err != nil {
				return nil, err
			}
			return csvResponse("stock.csv", func(hc huma.Context) error { return field.WriteStock(hc.BodyWriter(), bs) }), nil
		})
	register(a, h, huma.Operation{OperationID: "set-stock-level", Method: http.MethodPut, Path: "/stock-levels", Tags: t,
		Summary: "Set a location's reorder point and order-up-to level for a part"},
		func(ctx context.Context, in *struct {
			Body struct {
				PartID     int64 `json:"part_id" minimum:"1"`
				LocationID int64 `json:"location_id" minimum:"1"`
				aftersales.StockLevelInput
			}
		}) (*plain[*aftersales.StockBalance], error) {
			return respond(a.S.Parts.SetStockLevel(ctx, in.Body.PartID, in.Body.LocationID, in.Body.StockLevelInput))
		})
	type moveQuery struct {
		PartID     int64 `query:"part_id" minimum:"0"`
		LocationID int64 `query:"location_id" minimum:"0"`
		After      int64 `query:"after" minimum:"0" doc:"Movements after this id"`
		Limit      int   `query:"limit" minimum:"0" maximum:"10000" doc:"Default 200"`
	}
	register(a, h, huma.Operation{OperationID: "list-stock-movements", Method: http.MethodGet, Path: "/stock-movements", Tags: t,
		Summary: "The stock ledger, oldest first; page with after"},
		func(ctx context.Context, in *moveQuery) (*plain[[]*aftersales.StockMovement], error) {
			return respond(a.S.Parts.ListMovements(ctx, aftersales.StockFilter{PartID: in.PartID, LocationID: in.LocationID, After: in.After, Limit: in.Limit}))
		})
	register(a, h, huma.Operation{OperationID: "export-stock-movements", Method: http.MethodGet, Path: "/stock-movements/export", Tags: t,
		Summary: "The stock ledger as CSV (UTF-8 with BOM)"},
		func(ctx context.Context, in *moveQuery) (*huma.StreamResponse, error) {
			limit := in.Limit
			if limit == 0 {
				limit = 10000
			}
			ms, err := a.S.Parts.ListMovements(ctx, aftersales.StockFilter{PartID: in.PartID, LocationID: in.LocationID, After: in.After, Limit: limit})
			if err != nil {
				return nil, err
			}
			return csvResponse("stock-movements.csv", func(hc huma.Context) error { return field.WriteMovements(hc.BodyWriter(), ms) }), nil
		})
	register(a, h, huma.Operation{OperationID: "move-stock", Method: http.MethodPost, Path: "/stock-movements", Tags: t,
		Summary:     "Record a receipt, transfer, consumption, return or adjustment",
		Description: "A transfer writes both ledger lines in one operation. A movement the stock does not cover is refused with 409 naming the part and the location; an adjustment needs a reason."},
		func(ctx context.Context, in *struct {
			Idem
			Body aftersales.StockMoveInput
		}) (*plain[[]*aftersales.StockMovement], error) {
			return respond(a.S.Parts.MoveStock(ctx, in.Body))
		})
	register(a, h, huma.Operation{OperationID: "import-stock", Method: http.MethodPost, Path: "/stock/import", Tags: t,
		Summary:      "Import a stock count or movements from CSV or XLSX (multipart field \"file\"), all rows or none",
		Description:  "A count has part_number, location, on_hand (and optionally reorder_point, order_up_to); movements have kind, part_number, location, qty (to_location, reason). When any row is refused nothing changes and the answer (422) names every refused row.",
		MaxBodyBytes: 32 << 20, DefaultStatus: http.StatusOK},
		func(ctx context.Context, in *struct {
			RawBody huma.MultipartFormFiles[struct {
				File huma.FormFile `form:"file" required:"true" doc:"The stock file"`
			}]
		}) (*plain[*aftersales.StockImport], error) {
			f := in.RawBody.Data().File
			defer f.Close()
			// Who may import is checked before the file is read, so that
			// nobody else learns what is wrong with it.
			for _, p := range []aftersales.Permission{aftersales.PermStockMove, aftersales.PermDataImport} {
				if _, err := aftersales.Require(ctx, p); err != nil {
					return nil, err
				}
			}
			rows, bad, err := field.ReadStock(f)
			if err != nil {
				return nil, err
			}
			if len(bad) > 0 {
				return nil, importRejected(bad)
			}
			return respond(a.S.Parts.ImportStock(ctx, rows))
		})

	v := tag("Visits")
	register(a, h, huma.Operation{OperationID: "list-reservations", Method: http.MethodGet, Path: "/tickets/{id}/reservations", Tags: v,
		Summary: "Parts reserved for a ticket, waiting ones included"},
		func(ctx context.Context, in *IDParam) (*plain[[]*aftersales.Reservation], error) {
			return respond(a.S.Parts.ListReservations(ctx, in.ID))
		})
	register(a, h, huma.Operation{OperationID: "reserve-parts", Method: http.MethodPost, Path: "/tickets/{id}/reservations", Tags: v,
		Summary:     "Reserve parts at a location for a ticket (and a visit)",
		Description: "Missing parts are refused with 409 naming the part and the location, or with wait=true recorded as waiting: the ticket moves to awaiting_parts naming the part, and a receipt at that location fills the wait."},
		func(ctx context.Context, in *struct {
			ID int64 `path:"id" minimum:"1"`
			Idem
			Body aftersales.ReservationInput
		}) (*plain[*aftersales.Reservation], error) {
			return respond(a.S.Parts.Reserve(ctx, in.ID, in.Body))
		})
	type resPath struct {
		ID          int64 `path:"id" minimum:"1"`
		Reservation int64 `path:"reservation" minimum:"1"`
	}
	register(a, h, huma.Operation{OperationID: "release-reservation", Method: http.MethodPost, Path: "/tickets/{id}/reservations/{reservation}/release",
		Tags: v, DefaultStatus: http.StatusOK, Summary: "Give reserved parts back to the shelf, or stop waiting for them"},
		func(ctx context.Context, in *resPath) (*plain[*aftersales.Reservation], error) {
			return respond(a.S.Parts.ReleaseReservation(ctx, in.ID, in.Reservation))
		})
	register(a, h, huma.Operation{OperationID: "consume-reservation", Method: http.MethodPost, Path: "/tickets/{id}/reservations/{reservation}/consume",
		Tags: v, DefaultStatus: http.StatusOK, Summary: "Record that the reserved parts were fitted, all or some",
		Description: "Without a body (or without qty) every reserved unit is used. With qty, that many are used (1 up to the units reserved, else 422 naming qty) and the rest are released back to the location's available stock: a release line in the ledger, \"· released ×n\" on the ticket's timeline. The reservation then holds the used units, and so do its cost lines."},
		func(ctx context.Context, in *struct {
			ID          int64                    `path:"id" minimum:"1"`
			Reservation int64                    `path:"reservation" minimum:"1"`
			Body        *aftersales.ConsumeInput `required:"false"`
		}) (*plain[*aftersales.Reservation], error) {
			var body aftersales.ConsumeInput
			if in.Body != nil {
				body = *in.Body
			}
			return respond(a.S.Parts.ConsumeReservation(ctx, in.ID, in.Reservation, body))
		})
}

// visits mounts a ticket's visits, booking offers and technicians'
// profiles.
func (a *API) visits(h huma.API) {
	t := tag("Visits")
	register(a, h, huma.Operation{OperationID: "list-visits", Method: http.MethodGet, Path: "/tickets/{id}/visits", Tags: t,
		Summary: "A ticket's visits by number; late marks a check-in after the promised window"},
		func(ctx context.Context, in *IDParam) (*plain[[]*aftersales.Visit], error) {
			return respond(a.S.Visits.ListVisits(ctx, in.ID))
		})
	register(a, h, huma.Operation{OperationID: "create-visit", Method: http.MethodPost, Path: "/tickets/{id}/visits", Tags: t,
		Summary: "Book a visit: the window promised to the customer, duration, skills and technician"},
		func(ctx context.Context, in *struct {
			ID int64 `path:"id" minimum:"1"`
			Idem
			Body aftersales.VisitInput
		}) (*plain[*aftersales.Visit], error) {
			return respond(a.S.Visits.CreateVisit(ctx, in.ID, in.Body))
		})
	register(a, h, huma.Operation{OperationID: "booking-offers", Method: http.MethodPost, Path: "/tickets/{id}/booking-offers", Tags: t,
		DefaultStatus: http.StatusOK, Summary: "The next feasible windows for a visit, each with the technician and why",
		Description: "From technicians' shifts, leave, booked visits, daily capacity, skills, certifications valid on the day, parts in their van or service point, and travel estimated from coordinates (haversine × 1.3 at 30 km/h). Nothing is booked."},
		func(ctx context.Context, in *struct {
			ID   int64 `path:"id" minimum:"1"`
			Body aftersales.OfferRequest
		}) (*plain[[]*aftersales.Offer], error) {
			return respond(a.S.Visits.Offers(ctx, in.ID, in.Body))
		})
	register(a, h, huma.Operation{OperationID: "get-visit", Method: http.MethodGet, Path: "/tickets/{id}/visits/{visit}", Tags: t, Summary: "One visit"},
		func(ctx context.Context, in *VisitParam) (*plain[*aftersales.Visit], error) {
			return respond(a.S.Visits.FindVisit(ctx, in.ID, in.Visit))
		})
	register(a, h, huma.Operation{OperationID: "visit-history", Method: http.MethodGet, Path: "/tickets/{id}/visits/{visit}/history", Tags: t,
		Summary: "A visit's history: booked, rescheduled, reassigned, each status"},
		func(ctx context.Context, in *VisitParam) (*plain[[]*aftersales.VisitEvent], error) {
			return respond(a.S.Visits.VisitHistory(ctx, in.ID, in.Visit))
		})
	register(a, h, huma.Operation{OperationID: "visit-report", Method: http.MethodGet, Path: "/tickets/{id}/visits/{visit}/report", Tags: t,
		Summary: "The work report given when the visit was completed: diagnosis, work done, the customer's typed confirmation"},
		func(ctx context.Context, in *VisitParam) (*plain[*aftersales.VisitReport], error) {
			return respond(a.S.Visits.VisitReport(ctx, in.ID, in.Visit))
		})
	register(a, h, huma.Operation{OperationID: "reschedule-visit", Method: http.MethodPost, Path: "/tickets/{id}/visits/{visit}/reschedule", Tags: t,
		DefaultStatus: http.StatusOK, Summary: "Move a visit that has not started to another window (and technician), with a reason"},
		func(ctx context.Context, in *struct {
			VisitParam
			Body aftersales.RescheduleInput
		}) (*plain[*aftersales.Visit], error) {
			return respond(a.S.Visits.RescheduleVisit(ctx, in.ID, in.Visit, in.Body))
		})
	type stepBody struct {
		Position *aftersales.Position `json:"position,omitempty" doc:"Where the phone was, when it could tell"`
		Version  int64                `json:"version" minimum:"1"`
	}
	step := func(id, path, summary string, to aftersales.VisitStatus) {
		register(a, h, huma.Operation{OperationID: id, Method: http.MethodPost, Path: "/tickets/{id}/visits/{visit}/" + path, Tags: t,
			DefaultStatus: http.StatusOK, Summary: summary},
			func(ctx context.Context, in *struct {
				VisitParam
				Body stepBody
			}) (*plain[*aftersales.Visit], error) {
				return respond(a.S.Visits.StepVisit(ctx, in.ID, in.Visit, aftersales.VisitStep{To: to, Position: in.Body.Position, Version: in.Body.Version}))
			})
	}
	step("visit-en-route", "en-route", "The technician sets off", aftersales.VisitEnRoute)
	step("check-in-visit", "check-in", "The technician arrives: the time (and position) of arrival", aftersales.VisitCheckedIn)
	register(a, h, huma.Operation{OperationID: "complete-visit", Method: http.MethodPost, Path: "/tickets/{id}/visits/{visit}/complete", Tags: t,
		DefaultStatus: http.StatusOK, Summary: "Check out with the visit's outcome: fixed, needs_parts, needs_visit, customer_absent or cannot_fix"},
		func(ctx context.Context, in *struct {
			VisitParam
			Body struct {
				Outcome  aftersales.VisitOutcome `json:"outcome" enum:"fixed,needs_parts,needs_visit,customer_absent,cannot_fix"`
				Position *aftersales.Position    `json:"position,omitempty"`
				Report   *aftersales.VisitReport `json:"report,omitempty" doc:"Diagnosis, work done and the customer's typed confirmation"`
				Version  int64                   `json:"version" minimum:"1"`
			}
		}) (*plain[*aftersales.Visit], error) {
			return respond(a.S.Visits.StepVisit(ctx, in.ID, in.Visit, aftersales.VisitStep{To: aftersales.VisitCompleted,
				Outcome: in.Body.Outcome, Position: in.Body.Position, Report: in.Body.Report, Version: in.Body.Version}))
		})
	register(a, h, huma.Operation{OperationID: "cancel-visit", Method: http.MethodPost, Path: "/tickets/{id}/visits/{visit}/cancel", Tags: t,
		DefaultStatus: http.StatusOK, Summary: "Cancel a visit that has not started, with a reason; its reserved parts go back to the shelf"},
		func(ctx context.Context, in *struct {
			VisitParam
			Body struct {
				Reason  string `json:"reason" maxLength:"500"`
				Version int64  `json:"version" minimum:"1"`
			}
		}) (*plain[*aftersales.Visit], error) {
			return respond(a.S.Visits.StepVisit(ctx, in.ID, in.Visit, aftersales.VisitStep{To: aftersales.VisitCancelled,
				Reason: in.Body.Reason, Version: in.Body.Version}))
		})

	tt := tag("Technicians")
	register(a, h, huma.Operation{OperationID: "list-technicians", Method: http.MethodGet, Path: "/technicians", Tags: tt,
		Summary: "Active technicians' field profiles: base, skills, certifications, capacity, shifts, leave"},
		func(ctx context.Context, in *struct{}) (*plain[[]*aftersales.TechnicianProfile], error) {
			return respond(a.S.Visits.ListTechnicians(ctx))
		})
	register(a, h, huma.Operation{OperationID: "get-technician", Method: http.MethodGet, Path: "/technicians/{id}", Tags: tt,
		Summary: "One technician's field profile"},
		func(ctx context.Context, in *IDParam) (*plain[*aftersales.TechnicianProfile], error) {
			return respond(a.S.Visits.FindTechnician(ctx, in.ID))
		})
	register(a, h, huma.Operation{OperationID: "set-technician", Method: http.MethodPut, Path: "/technicians/{id}", Tags: tt,
		Summary: "Set a technician's field profile, replacing certifications, shifts and leave (version 0 creates it)"},
		func(ctx context.Context, in *struct {
			IDParam
			Body aftersales.TechnicianProfileInput
		}) (*plain[*aftersales.TechnicianProfile], error) {
			return respond(a.S.Visits.SetTechnician(ctx, in.ID, in.Body))
		})
	register(a, h, huma.Operation{OperationID: "technician-day", Method: http.MethodGet, Path: "/technicians/{id}/day", Tags: tt,
		Summary: "A technician's day as a route",
		Description: "The day's booked visits ordered by the route planner from the home base (or service point) and back, within the shift: " +
			"planned arrival, start and finish per visit, waiting and slack, total distance and driving time, the visits that cannot fit " +
			"with the reason, and links that open the route in a map app. Technicians see their own day; those who may read every ticket " +
			"see anyone's."},
		func(ctx context.Context, in *struct {
			IDParam
			Date string `query:"date" required:"true" doc:"The local day, YYYY-MM-DD" example:"2026-12-07"`
		}) (*plain[*aftersales.DayRoute], error) {
			return respond(a.S.Visits.DayRoute(ctx, in.ID, aftersales.Date(in.Date)))
		})
}

// csvResponse streams a CSV download.
func csvResponse(name string, write func(huma.Context) error) *huma.StreamResponse {
	return &huma.StreamResponse{Body: func(hc huma.Context) {
		hc.SetHeader("Content-Type", "text/csv; charset=utf-8")
		hc.SetHeader("Content-Disposition", fmt.Sprintf("attachment; filename=%q", name))
		_ = write(hc) // the status is sent; a broken connection has no one to tell
	}}
}

// importRejected is the 422 of a file with unreadable rows, naming each.
func importRejected(bad []aftersales.RejectedRow) error {
	e := &aftersales.Error{Code: aftersales.EINVALID, Message: fmt.Sprintf("%d rows were refused; nothing was imported.", len(bad))}
	for _, r := range bad {
		e.Fields = append(e.Fields, aftersales.FieldError{Field: fmt.Sprintf("line %d: %s", r.Line, r.Field), Reason: r.Reason})
	}
	return e
}

// VisitParam names a visit of a ticket. (Exported: huma reads embedded
// parameter structs only when they are.)
type VisitParam struct {
	ID    int64 `path:"id" minimum:"1"`
	Visit int64 `path:"visit" minimum:"1"`
}
