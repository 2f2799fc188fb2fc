package field

import (
	"encoding/csv"
	"errors"
	"io"
	"strconv"
	"strings"

	"aftersales"
	"aftersales/internal/dataio"
)

// Stock files. Two shapes are read, told apart by their header:
//
//	a count:     part_number, location, on_hand [, reorder_point, order_up_to]
//	movements:   kind, part_number, location, qty [, to_location, reason]
//
// A count says what a location holds; the store turns the difference
// into an adjustment. Movements are receipts, transfers, consumptions,
// returns and adjustments. Files are read through internal/dataio, so
// GBK, any delimiter, XLSX and gzip work as they do for tickets, and the
// balance export (WriteStock) reads back as a count.

// MaxImportRows bounds one stock file.
const MaxImportRows = 100_000

// stockColumns are the names a header may use, lower-cased.
var stockColumns = map[string]string{
	"kind": "kind", "type": "kind", "part_number": "part_number", "part": "part_number", "location": "location",
	"to_location": "to_location", "qty": "qty", "quantity": "qty", "reason": "reason", "on_hand": "on_hand",
	"reorder_point": "reorder_point", "order_up_to": "order_up_to",
	"类型": "kind", "备件号": "part_number", "库位": "location", "调入库位": "to_location", "数量": "qty", "原因": "reason",
	"在库": "on_hand", "再订货点": "reorder_point", "订货上限": "order_up_to",
}

// ReadStock reads a stock count or a movement file. Rows that cannot be
// used are returned with their reasons beside the good ones; an error
// means the file as a whole cannot be read.
func ReadStock(r io.Reader) ([]aftersales.StockImportRow, []aftersales.RejectedRow, error) {
	src, err := dataio.Open(r, dataio.Format{})
	if err != nil {
		return nil, nil, &aftersales.Error{Code: aftersales.EINVALID, Message: "The file cannot be read as CSV or XLSX.",
			Fields: []aftersales.FieldError{{Field: "file", Reason: err.Error()}}}
	}
	defer src.Close()
	col := map[string]int{}
	for i, h := range src.Header() {
		if name, ok := stockColumns[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))]; ok {
			if _, dup := col[name]; !dup {
				col[name] = i
			}
		}
	}
	_, hasKind := col["kind"]
	_, hasQty := col["qty"]
	_, hasOnHand := col["on_hand"]
	_, hasPart := col["part_number"]
	_, hasLoc := col["location"]
	if !hasPart || !hasLoc || !(hasKind && hasQty) && !hasOnHand {
		return nil, nil, &aftersales.Error{Code: aftersales.EINVALID, Message: "The header names neither a stock count nor movements.",
			Fields: []aftersales.FieldError{{Field: "file", Reason: "needs part_number and location, and either on_hand (a count) or kind and qty (movements)"}}}
	}
	var rows []aftersales.StockImportRow
	var bad []aftersales.RejectedRow
	for {
		line, rec, err := src.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		var re *dataio.RowError
		if errors.As(err, &re) {
			bad = append(bad, aftersales.RejectedRow{Line: re.Line, Reason: re.Reason})
			continue
		}
		if err != nil {
			return nil, nil, &aftersales.Error{Code: aftersales.EINVALID, Message: "The file cannot be read.",
				Fields: []aftersales.FieldError{{Field: "file", Reason: err.Error()}}}
		}
		if len(rows)+len(bad) >= MaxImportRows {
			return nil, nil, &aftersales.Error{Code: aftersales.EINVALID, Message: "The file has too many rows.",
				Fields: []aftersales.FieldError{{Field: "file", Reason: "more than " + strconv.Itoa(MaxImportRows) + " rows"}}}
		}
		cell := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		if strings.Join(rec, "") == "" {
			continue
		}
		row := aftersales.StockImportRow{Line: line, PartNumber: cell("part_number"), Location: cell("location"),
			ToLocation: cell("to_location"), Reason: cell("reason")}
		reject := func(field, reason string) {
			bad = append(bad, aftersales.RejectedRow{Line: line, Field: field, Reason: reason})
		}
		n0 := len(bad)
		if !aftersales.ValidPartNumber(row.PartNumber) {
			reject("part_number", "must be 1 to 60 characters without spaces")
		}
		if row.Location == "" {
			reject("location", "is required")
		}
		if !aftersales.ValidText(row.Reason) || len(row.Reason) > 500 {
			reject("reason", "must be at most 500 bytes of text")
		}
		qtyName := "qty"
		if hasKind {
			row.Kind = aftersales.MovementKind(strings.ToLower(cell("kind")))
			if !oneOf(row.Kind, aftersales.MoveReceipt, aftersales.MoveTransfer, aftersales.MoveConsume, aftersales.MoveReturn, aftersales.MoveAdjust) {
				reject("kind", "must be receipt, transfer, consume, return or adjust")
			}
		} else {
			row.Kind, qtyName = aftersales.MoveCount, "on_hand"
		}
		q, err := strconv.ParseInt(cell(qtyName), 10, 64)
		switch {
		case err != nil:
			reject(qtyName, "must be a whole number")
		case row.Kind == aftersales.MoveAdjust && (q == 0 || q < -aftersales.MaxQty || q > aftersales.MaxQty):
			reject(qtyName, "must be a non-zero number between -1000000 and 1000000")
		case row.Kind == aftersales.MoveCount && (q < 0 || q > aftersales.MaxQty):
			reject(qtyName, "must be between 0 and 1000000")
		case row.Kind != aftersales.MoveAdjust && row.Kind != aftersales.MoveCount && (q <= 0 || q > aftersales.MaxQty):
			reject(qtyName, "must be between 1 and 1000000")
		}
		row.Qty = q
		if row.Kind == aftersales.MoveAdjust && row.Reason == "" {
			reject("reason", "is required for an adjustment")
		}
		if (row.Kind == aftersales.MoveTransfer) != (row.ToLocation != "") {
			reject("to_location", "is required for a transfer and only for one")
		}
		if row.Kind == aftersales.MoveTransfer && row.ToLocation == row.Location {
			reject("to_location", "must differ from location")
		}
		for _, name := range []string{"reorder_point", "order_up_to"} {
			s := cell(name)
			if s == "" {
				continue
			}
			v, err := strconv.ParseInt(s, 10, 64)
			if err != nil || v < 0 || v > aftersales.MaxQty {
				reject(name, "must be a whole number between 0 and 1000000")
				continue
			}
			if name == "reorder_point" {
				row.ReorderPoint = &v
			} else {
				row.OrderUpTo = &v
			}
		}
		if (row.ReorderPoint == nil) != (row.OrderUpTo == nil) {
			reject("order_up_to", "reorder_point and order_up_to go together")
		} else if row.ReorderPoint != nil {
			lvl := aftersales.StockLevelInput{ReorderPoint: *row.ReorderPoint, OrderUpTo: *row.OrderUpTo}
			if err := lvl.Validate(); err != nil {
				reject("order_up_to", "must be above the reorder point")
			}
		}
		if len(bad) == n0 {
			rows = append(rows, row)
		}
	}
	return rows, bad, nil
}

func oneOf(k aftersales.MovementKind, set ...aftersales.MovementKind) bool {
	for _, s := range set {
		if k == s {
			return true
		}
	}
	return false
}

// StockHeader is the balance export's header; it reads back as a count.
var StockHeader = []string{"part_number", "location", "on_hand", "reserved", "available", "reorder_point", "order_up_to", "suggested_order"}

// WriteStock writes balances as CSV (UTF-8 with a BOM for Excel).
func WriteStock(w io.Writer, bs []*aftersales.StockBalance) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(StockHeader); err != nil {
		return err
	}
	n := func(v int64) string { return strconv.FormatInt(v, 10) }
	for _, b := range bs {
		if err := cw.Write([]string{safeCell(b.PartNumber), safeCell(b.Location), n(b.OnHand), n(b.Reserved), n(b.Available),
			n(b.ReorderPoint), n(b.OrderUpTo), n(b.Suggested)}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// MovementHeader is the ledger export's header.
var MovementHeader = []string{"id", "at", "kind", "part_number", "location", "on_hand", "reserved", "on_hand_after", "reserved_after",
	"peer_id", "reservation_id", "ticket_id", "reason"}

// WriteMovements writes ledger lines as CSV; at is RFC 3339 in UTC.
func WriteMovements(w io.Writer, ms []*aftersales.StockMovement) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(MovementHeader); err != nil {
		return err
	}
	n := func(v int64) string { return strconv.FormatInt(v, 10) }
	p := func(v *int64) string {
		if v == nil {
			return ""
		}
		return n(*v)
	}
	for _, m := range ms {
		if err := cw.Write([]string{n(m.ID), m.At.UTC().Format("2006-01-02T15:04:05.000Z"), string(m.Kind), safeCell(m.PartNumber),
			safeCell(m.Location), n(m.OnHand), n(m.Reserved), n(m.OnHandAfter), n(m.ReservedAfter), p(m.PeerID), p(m.ReservationID),
			p(m.TicketID), safeCell(m.Reason)}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// safeCell keeps a spreadsheet from reading text as a formula.
func safeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
