package aftersales

import "testing"

func TestSubjects(t *testing.T) {
	for in, want := range map[string]string{
		"Re: [#AS202611-000123] 空调不制冷":      "空调不制冷",
		"回复：RE: Fwd: [#AS202611-000123] 漏水": "漏水",
		"答复: 安装预约":                          "安装预约",
		"[#AS202611-000123]":                "",
	} {
		if got := CleanSubject(in); got != want {
			t.Errorf("CleanSubject(%q) = %q, want %q", in, got, want)
		}
	}
	if got := ReplySubject("AS202611-000123", "Re: Re: 漏水"); got != "Re: [#AS202611-000123] 漏水" {
		t.Errorf("ReplySubject = %q", got)
	}
	if TicketTag("Re: [#AS202611-000123] x") != "AS202611-000123" || TicketTag("AS202611-000123 without brackets") != "" {
		t.Error("TicketTag")
	}
}

func TestGuessNature(t *testing.T) {
	for in, want := range map[string]Nature{
		"我要投诉，师傅迟到两小时":                     NatureComplaint,
		"申请退货退款":                           NatureReturn,
		"预约安装热水器":                          NatureInstallation,
		"冰箱不制冷":                            NatureRepair,
		"The dryer is broken":              NatureRepair,
		"保修期多久？":                           NatureConsultation,
		"I want to complain: still broken": NatureComplaint,
	} {
		if got := GuessNature(in); got != want {
			t.Errorf("GuessNature(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestWebFormValidate(t *testing.T) {
	f := WebForm{Name: " 陈先生 ", Phone: "+86 138-0013-8000", Email: "Chen@Example.COM", Title: "t", Description: "d"}
	if err := f.Validate(); err != nil || f.Phone != "13800138000" || f.Email != "chen@example.com" || f.Name != "陈先生" || f.Nature != NatureConsultation {
		t.Fatalf("%+v %v", f, err)
	}
	for field, form := range map[string]WebForm{
		"phone":       {Name: "a", Title: "t", Description: "d"},
		"email":       {Name: "a", Email: "Bob <bob@example.com>", Title: "t", Description: "d"},
		"name":        {Phone: "13800138000", Title: "t", Description: "d"},
		"nature":      {Name: "a", Phone: "13800138000", Nature: "fax", Title: "t", Description: "d"},
		"description": {Name: "a", Phone: "13800138000", Title: "t"},
	} {
		err := form.Validate()
		if fs := ErrorFields(err); len(fs) == 0 || fs[0].Field != field {
			t.Errorf("%s: %v", field, err)
		}
	}
	bad := WebForm{Name: "a", Phone: "call me maybe 138", Title: "t", Description: "d"}
	if fs := ErrorFields(bad.Validate()); len(fs) == 0 || fs[0].Field != "phone" {
		t.Errorf("letters in the phone number: %v", fs)
	}
}
