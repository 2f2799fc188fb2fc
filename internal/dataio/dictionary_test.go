package dataio_test

import (
	"bytes"
	"errors"
	"testing"

	"aftersales"
	"aftersales/internal/dataio"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"
)

func TestReadDictionary(t *testing.T) {
	x := excelize.NewFile()
	for i, row := range [][]any{{"词语", "类型", "词频"}, {"外机噪音", "故障", 3000}, {"KFR-35GW", "model", nil}} {
		for j, v := range row {
			cell, _ := excelize.CoordinatesToCellName(j+1, i+1)
			x.SetCellValue("Sheet1", cell, v)
		}
	}
	var xlsx bytes.Buffer
	if err := x.Write(&xlsx); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		file   []byte
		words  []aftersales.DictWordInput
		lines  []int
		fields []string
	}{
		{"csv", []byte("word,kind,note\n不制冷,fault,空调\n\n上门安装,服务,\n"),
			[]aftersales.DictWordInput{{Word: "不制冷", Kind: "fault", Note: "空调"}, {Word: "上门安装", Kind: "service"}}, []int{2, 4}, nil},
		{"xlsx", xlsx.Bytes(), []aftersales.DictWordInput{{Word: "外机噪音", Kind: "fault", Freq: 3000}, {Word: "KFR-35GW", Kind: "model"}}, []int{2, 3}, nil},
		{"no kind column", []byte("word\n不制冷\n"), nil, nil, []string{"file"}},
		{"bad freq", []byte("word,kind,freq\n不制冷,fault,lots\n"), nil, nil, []string{"line 2: freq"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			words, lines, err := dataio.ReadDictionary(bytes.NewReader(tt.file))
			var fields []string
			for _, f := range aftersales.ErrorFields(err) {
				fields = append(fields, f.Field)
			}
			if diff := cmp.Diff(tt.fields, fields); diff != "" {
				t.Fatalf("errors (-want +got):\n%s (%v)", diff, err)
			}
			if diff := cmp.Diff(tt.words, words); diff != "" {
				t.Errorf("words (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.lines, lines); diff != "" {
				t.Errorf("lines (-want +got):\n%s", diff)
			}
		})
	}
	err := dataio.DictionaryLines(&aftersales.Error{Code: aftersales.EINVALID, Fields: []aftersales.FieldError{{Field: "words[1].kind", Reason: "x"}}}, []int{2, 5})
	var ae *aftersales.Error
	if !errors.As(err, &ae) || ae.Fields[0].Field != "line 5: kind" {
		t.Errorf("DictionaryLines: %v", err)
	}
}

func FuzzReadDictionary(f *testing.F) {
	f.Add([]byte("word,kind,freq,note\n不制冷,fault,10,x\n"))
	f.Add([]byte("词语\t类型\n外机噪音\t故障\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		words, lines, err := dataio.ReadDictionary(bytes.NewReader(b))
		if err == nil && len(words) != len(lines) {
			t.Fatalf("%d words, %d lines", len(words), len(lines))
		}
	})
}
