package app

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestClassifyEvaluate(t *testing.T) {
	dir := t.TempDir()
	// A BOM, a multi-line quoted text, an empty text (skipped) and an empty
	// label (skipped), over three classes of four texts each.
	var b strings.Builder
	b.WriteString("\ufeffid,text,label\n")
	rows := [][2]string{
		{"空调不制冷，需要上门维修", "repair"}, {"\"热水器漏水了，\n请师傅来修\"", "repair"}, {"洗衣机异响，维修", "repair"}, {"冰箱坏了，报修", "repair"},
		{"快递太慢了，一周还没到", "delivery"}, {"物流延迟，货还没送到", "delivery"}, {"送货慢，等了三天", "delivery"}, {"快递丢件了", "delivery"},
		{"发票开错了，要重开", "billing"}, {"多扣了钱，要退款", "billing"}, {"退款一直没到账", "billing"}, {"账单金额有误", "billing"},
		{"", "repair"}, {"没有标签", ""},
	}
	for i, r := range rows {
		b.WriteString(string(rune('a'+i)) + "," + r[0] + "," + r[1] + "\n")
	}
	file := filepath.Join(dir, "labelled.csv")
	if err := os.WriteFile(file, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}

	var out, errs bytes.Buffer
	code := Main(context.Background(), Env{Args: []string{"classify", "evaluate", "--file", file, "--text", "text", "--label", "label", "--folds", "2"},
		Stdout: &out, Stderr: &errs})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs.String())
	}
	var got map[string]any
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out.String())
	}
	for _, k := range []string{"accuracy", "macro_f1", "per_class", "n", "skipped", "confusion", "classes"} {
		if _, ok := got[k]; !ok {
			t.Errorf("output lacks %q:\n%s", k, out.String())
		}
	}
	if n, ok := got["n"].(float64); !ok || n != 12 {
		t.Errorf("n = %v, want 12", got["n"])
	}
	if s, ok := got["skipped"].(float64); !ok || s != 2 {
		t.Errorf("skipped = %v, want 2", got["skipped"])
	}
	per, ok := got["per_class"].(map[string]any)
	if !ok {
		t.Fatalf("per_class is %T", got["per_class"])
	}
	var classes []string
	for c := range per {
		classes = append(classes, c)
	}
	slices.Sort(classes)
	if diff := cmp.Diff([]string{"billing", "delivery", "repair"}, classes); diff != "" {
		t.Errorf("per_class classes (-want +got):\n%s", diff)
	}
	rep, ok := per["repair"].(map[string]any)
	if !ok {
		t.Fatalf("per_class.repair is %T", per["repair"])
	}
	if s, ok := rep["support"].(float64); !ok || s != 4 {
		t.Errorf("repair support = %v, want 4 (the multi-line text counted once)", rep["support"])
	}
}

func TestClassifyEvaluateErrors(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f.csv")
	if err := os.WriteFile(file, []byte("review,label\n好,1\n差,0\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"help", []string{"-h"}, 0, "--file F.csv --text COLUMN --label COLUMN"},
		{"no file", []string{"--text", "review", "--label", "label"}, 1, "--file is required"},
		{"unknown text column", []string{"--file", file, "--text", "comment", "--label", "label"}, 1, `no column "comment" (columns: review, label)`},
		{"unknown label column", []string{"--file", file, "--text", "review", "--label", "cat"}, 1, `--label: `},
		{"one fold", []string{"--file", file, "--text", "review", "--label", "label", "--folds", "1"}, 1, "--folds 1: at least 2"},
		{"too few texts", []string{"--file", file, "--text", "review", "--label", "label", "--folds", "5"}, 1, "2 labelled texts, fewer than --folds 5"},
		{"missing file", []string{"--file", filepath.Join(dir, "nope.csv"), "--text", "review", "--label", "label"}, 1, "nope.csv"},
		{"stray argument", []string{"--file", file, "--text", "review", "--label", "label", "extra"}, 1, `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out := run(t, nil, append([]string{"classify", "evaluate"}, tt.args...)...)
			if code != tt.code || !strings.Contains(out, tt.want) {
				t.Errorf("exit %d, want %d; output lacks %q:\n%s", code, tt.code, tt.want, out)
			}
		})
	}
	if code, out := run(t, nil, "classify"); code != 1 || !strings.Contains(out, "classify evaluate") {
		t.Errorf("classify alone: exit %d\n%s", code, out)
	}
	if code, out := run(t, nil, "help"); code != 0 || !strings.Contains(out, "classify evaluate") {
		t.Errorf("usage lacks classify evaluate: %d\n%s", code, out)
	}
}
