package aftersales

import (
	"slices"
	"testing"
)

func TestSurveyTemplateValidate(t *testing.T) {
	score := func(k SurveyKind) SurveyQuestion {
		return SurveyQuestion{Key: string(k), Type: QuestionScore, Scale: k, ZH: "分数", EN: "Score"}
	}
	tests := []struct {
		name string
		code string
		in   SurveyTemplateInput
		want []string
	}{
		{"ok", "csat", SurveyTemplateInput{Kind: SurveyCSAT, TitleZH: "满意度", TitleEN: "Satisfaction", Questions: []SurveyQuestion{score(SurveyCSAT), score(SurveyCES),
			{Key: "why", Type: QuestionReasons, ZH: "原因", EN: "Why", Options: []SurveyOption{{Code: "slow", ZH: "慢", EN: "Slow"}}}}}, nil},
		{"bad code and kind", "CSAT!", SurveyTemplateInput{Kind: "stars", TitleZH: "x", TitleEN: "x", Questions: []SurveyQuestion{score(SurveyCSAT)}},
			[]string{"code", "kind"}},
		{"own score missing", "nps2", SurveyTemplateInput{Kind: SurveyNPS, TitleZH: "x", TitleEN: "x", Questions: []SurveyQuestion{score(SurveyCSAT)}},
			[]string{"questions"}},
		{"English missing, a scale twice, a key twice", "a", SurveyTemplateInput{Kind: SurveyCSAT, TitleZH: "x", Questions: []SurveyQuestion{score(SurveyCSAT), score(SurveyCSAT)}},
			[]string{"questions[1].key", "questions[1].scale", "title_en"}},
		{"reasons without options, unknown type", "b", SurveyTemplateInput{Kind: SurveyCSAT, TitleZH: "x", TitleEN: "x", Questions: []SurveyQuestion{score(SurveyCSAT),
			{Key: "why", Type: QuestionReasons, ZH: "原因", EN: "Why"}, {Key: "pic", Type: "photo", ZH: "图", EN: "Photo"}}},
			[]string{"questions[1].options", "questions[2].type"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, f := range ErrorFields(tc.in.Validate(tc.code)) {
				got = append(got, f.Field)
			}
			if !slices.Equal(tc.want, got) {
				t.Errorf("fields = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestSurveyToken(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	tok := SurveyToken(key, 42)
	if id, ok := ParseSurveyToken(key, tok); !ok || id != 42 {
		t.Fatalf("parse %q = %d, %v", tok, id, ok)
	}
	for _, bad := range []string{"", "42", "42.", "43" + tok[2:], "042" + tok[2:], tok + "A", "-42" + tok[2:], "99999999999999999999" + tok[2:]} {
		if _, ok := ParseSurveyToken(key, bad); ok {
			t.Errorf("%q accepted", bad)
		}
	}
	if _, ok := ParseSurveyToken([]byte("another key, another deployment"), tok); ok {
		t.Error("a token signed with another key is accepted")
	}
}
