package dataio

import (
	"encoding/csv"
	"strconv"
	"strings"

	"aftersales"
)

// ReadRevenue reads a pasted or uploaded table of sales revenue,
// "month,scope,value,amount,note" rows; a first row
// starting with "month" or "月份" is a header. The scope is empty for the
// whole company, or category, product or region (or 品类, 产品, 区域).
// Amounts that do not parse come back as field errors (rows[i].amount)
// beside the rows, so the caller can report every bad row at once; the
// store checks the rest.
func ReadRevenue(text string) ([]*aftersales.Revenue, []aftersales.FieldError, error) {
	text = strings.TrimPrefix(text, "\ufeff")
	cr := csv.NewReader(strings.NewReader(text))
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	records, err := cr.ReadAll()
	if err != nil {
		return nil, nil, &aftersales.Error{Code: aftersales.EINVALID, Message: "The table is not valid CSV.",
			Fields: []aftersales.FieldError{{Field: "csv", Reason: err.Error()}}}
	}
	if len(records) > 0 && len(records[0]) > 0 {
		if h := strings.ToLower(strings.TrimSpace(records[0][0])); h == "month" || h == "月份" {
			records = records[1:]
		}
	}
	scopes := map[string]aftersales.Dimension{"": "", "all": "", "全部": "", "公司": "",
		"category": aftersales.DimCategory, "品类": aftersales.DimCategory, "product": aftersales.DimProduct, "产品": aftersales.DimProduct,
		"region": aftersales.DimRegion, "区域": aftersales.DimRegion}
	var parse []aftersales.FieldError
	rows := make([]*aftersales.Revenue, 0, len(records))
	for i, rec := range records {
		for len(rec) < 5 {
			rec = append(rec, "")
		}
		prefix := "rows[" + strconv.Itoa(i) + "]."
		scope := strings.ToLower(strings.TrimSpace(rec[1]))
		dim, ok := scopes[scope]
		if !ok {
			dim = aftersales.Dimension(scope) // refused by the store, which names the field
		}
		amount, err := aftersales.ParseMoney(rec[3])
		if err != nil {
			parse = append(parse, aftersales.FieldError{Field: prefix + "amount", Reason: "must be an amount such as 1200000.00"})
		}
		rows = append(rows, &aftersales.Revenue{Month: strings.TrimSpace(rec[0]), Dim: dim, Value: strings.TrimSpace(rec[2]),
			Amount: amount, Note: strings.TrimSpace(rec[4])})
	}
	if len(rows) == 0 {
		return nil, nil, &aftersales.Error{Code: aftersales.EINVALID, Message: "The table is empty.",
			Fields: []aftersales.FieldError{{Field: "csv", Reason: "paste or upload at least one row"}}}
	}
	return rows, parse, nil
}
