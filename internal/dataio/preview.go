package dataio

import (
	"context"
	"errors"
	"io"
	"slices"
	"strings"

	"aftersales"
)

// Sample is the head of a file: its columns and first rows.
type Sample struct {
	Header []string
	Rows   [][]string
}

// Preview reads the header and up to n rows of a file.
func Preview(r io.Reader, f Format, n int) (*Sample, error) {
	src, err := Open(r, f)
	if err != nil {
		return nil, &aftersales.Error{Code: aftersales.EINVALID, Message: "The file could not be read.",
			Fields: []aftersales.FieldError{{Field: "file", Reason: err.Error()}}}
	}
	defer src.Close()
	s := &Sample{Header: src.Header()}
	for len(s.Rows) < n {
		_, row, err := src.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		var re *RowError
		if errors.As(err, &re) {
			continue
		}
		if err != nil {
			return nil, &aftersales.Error{Code: aftersales.EINVALID, Message: "The file could not be read.",
				Fields: []aftersales.FieldError{{Field: "file", Reason: err.Error()}}}
		}
		s.Rows = append(s.Rows, slices.Clone(row)) // sources reuse their row slice
	}
	return s, nil
}

// columnHints are the column names, in English and Chinese, that suggest a
// target field; matching ignores case, spaces and underscores.
var columnHints = map[string][]string{
	"key":          {"id", "number", "ticketno", "ticketnumber", "caseid", "caseenquiryid", "complaintid", "工单号", "工单编号", "编号", "单号", "序号"},
	FTitle:         {"title", "subject", "summary", "casetitle", "issue", "标题", "主题", "问题", "故障现象"},
	FDescription:   {"description", "details", "detail", "narrative", "content", "描述", "问题描述", "详细描述", "内容", "备注"},
	FCreated:       {"createdat", "created", "opendt", "opened", "opendate", "datereceived", "createddate", "创建时间", "受理时间", "报修时间", "日期", "时间"},
	FClosed:        {"closedat", "closed", "closeddt", "closedate", "closeddate", "关闭时间", "结案时间"},
	FResolved:      {"resolvedat", "resolved", "resolveddate", "完成时间", "解决时间"},
	FStatus:        {"status", "state", "状态", "工单状态"},
	FNature:        {"nature", "type", "casetype", "类型", "工单类型", "性质"},
	FUrgency:       {"urgency", "priority", "紧急程度", "优先级"},
	FChannel:       {"channel", "source", "submittedvia", "渠道", "来源"},
	FCategory:      {"category", "productcategory", "类别", "产品类别", "分类"},
	FProduct:       {"product", "model", "productmodel", "型号", "产品型号", "产品"},
	FSerial:        {"serial", "serialno", "serialnumber", "sn", "序列号", "机身号", "条码"},
	FTeam:          {"team", "queue", "department", "assignmentgroup", "班组", "部门", "处理部门"},
	FRegion:        {"region", "city", "area", "区域", "城市", "地区"},
	FAddress:       {"address", "location", "地址", "服务地址"},
	FCustName:      {"customer", "customername", "name", "contact", "客户", "客户姓名", "姓名", "联系人"},
	FCustPhone:     {"phone", "mobile", "telephone", "tel", "电话", "手机", "联系电话", "手机号"},
	FCustEmail:     {"email", "mail", "邮箱", "电子邮件"},
	FCustID:        {"customerid", "客户编号", "客户id"},
	FTags:          {"tags", "labels", "标签"},
	FLat:           {"latitude", "lat", "纬度"},
	FLng:           {"longitude", "lng", "lon", "经度"},
	FTarget:        {"targetdt", "duedate", "due", "截止时间"},
	FFirstResponse: {"firstresponseat", "firstresponse", "首次响应时间"},
}

func squash(s string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '_' || r == '-' || r == '.' || r == '\u3000' {
			return -1
		}
		return r
	}, strings.ToLower(strings.TrimSpace(s)))
}

// GuessColumns proposes a source column for the key and each target
// field from the header's names; a column is used once.
func GuessColumns(header []string) map[string]string {
	out := map[string]string{}
	used := map[string]bool{}
	order := append([]string{"key"}, TargetFields...)
	for _, target := range order {
		for _, hint := range columnHints[target] {
			for _, col := range header {
				if !used[col] && squash(col) == hint {
					out[target], used[col] = col, true
					break
				}
			}
			if out[target] != "" {
				break
			}
		}
	}
	return out
}

// DateFields are the targets read as times.
var DateFields = []string{FCreated, FFirstResponse, FAccepted, FResolved, FClosed, FTarget}

// ColumnMapping builds the mapping of a plain column-per-field choice (the
// console's mapping screen): key is the key column, cols maps targets to
// columns, every date field reads the given formats. Title and created_at
// are required; the channel defaults to import. It is checked like a
// mapping file.
func ColumnMapping(source, zone, key string, cols map[string]string, formats []string) (*Mapping, error) {
	m := &Mapping{Name: "console", Source: source, TimeZone: zone, Key: Field{Column: key}, Fields: map[string]Field{}}
	for _, t := range TargetFields {
		col := cols[t]
		if col == "" {
			continue
		}
		f := Field{Column: col, Required: t == FTitle || t == FCreated}
		if slices.Contains(DateFields, t) {
			f.Formats = formats
		}
		m.Fields[t] = f
	}
	if _, ok := m.Fields[FChannel]; !ok {
		m.Fields[FChannel] = Field{Default: string(aftersales.ChannelImport)}
	}
	if err := m.validate(); err != nil {
		return nil, err
	}
	return m, nil
}

// Observe wraps an importer so that fn sees every rejected or flagged row
// as it is written (the console's dry run shows them without storing).
func Observe(imp aftersales.Importer, fn func(aftersales.RowIssue)) aftersales.Importer {
	return observer{imp, fn}
}

type observer struct {
	aftersales.Importer
	fn func(aftersales.RowIssue)
}

func (o observer) Import(ctx context.Context, s *aftersales.ImportSummary, fn func(aftersales.ImportWriter) error) error {
	return o.Importer.Import(ctx, s, func(w aftersales.ImportWriter) error { return fn(observedWriter{w, o.fn}) })
}

type observedWriter struct {
	aftersales.ImportWriter
	fn func(aftersales.RowIssue)
}

// Write reports the flags the store keeps: those of created and updated
// records, including the ones the store adds (an unknown product).
func (w observedWriter) Write(ctx context.Context, recs []*aftersales.ImportRecord) ([]aftersales.ImportOutcome, error) {
	outs, err := w.ImportWriter.Write(ctx, recs)
	if err != nil {
		return nil, err
	}
	for k, r := range recs {
		if outs[k] == aftersales.ImportUnchanged {
			continue
		}
		for _, i := range r.Flags {
			w.fn(i)
		}
	}
	return outs, nil
}

func (w observedWriter) Reject(ctx context.Context, issues []aftersales.RowIssue) error {
	for _, i := range issues {
		w.fn(i)
	}
	return w.ImportWriter.Reject(ctx, issues)
}
