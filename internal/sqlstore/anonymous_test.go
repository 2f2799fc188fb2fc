package sqlstore_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/topics"
)

// noUserNeeded lists the service methods that work without a signed-in
// user, each with the reason. Every other method must refuse a context
// without a user.
var noUserNeeded = map[string]string{
	"Users.Authenticate":       "signing in: the caller has no user yet",
	"Users.CreateSession":      "called right after Authenticate checked the password",
	"Users.UserBySession":      "turns a session cookie into the user",
	"Users.DeleteSession":      "signing out with the cookie alone",
	"Users.UserByToken":        "turns an API token into the user",
	"Intake.ReceiveEmail":      "the mailbox poller acts for the customer who wrote",
	"Intake.Cursor":            "the mailbox poller's position",
	"Intake.ResetCursor":       "the mailbox poller's position",
	"Intake.MailFailed":        "the mailbox poller counts a message it could not take in",
	"Intake.ReceiveChat":       "the chat webhook, authenticated by its shared secret at the HTTP edge",
	"Intake.SubmitForm":        "the public web form",
	"Intake.FollowTicket":      "the public follow page, authorised by the ticket's follow token",
	"Intake.FollowReply":       "the public follow page's reply, authorised by the ticket's follow token",
	"Portal.RequestPortalLink": "the portal's sign-in page mails a link to whoever owns the address",
	"Portal.EndPortalSession":  "the portal's sign-out, authorised by the session token it ends",
	"Surveys.OpenSurvey":       "the public survey page, authorised by the link's signed token",
	"Surveys.AnswerSurvey":     "the public survey page, authorised by the link's signed token",
	"Metrics.KPIs":             "the static KPI catalogue; the API checks PermMetricsRead before serving it",
	"Metrics.RefreshRollups":   "a background job",
	"Metrics.RecomputeRollups": "a background job and the `rollups` command",
	// The public help pages (/help) and the web form's suggestions: without
	// a user these read public articles only (kbStaff), like a visitor.
	"KB.Article":            "the public help page; without a user, public articles only",
	"KB.ArticleAttachment":  "the public help page's files; without a user, public articles only",
	"KB.ArticleAttachments": "the public help page's files; without a user, public articles only",
	"KB.ArticleVersions":    "the public help page; without a user, public articles only",
	"KB.ArticleFeedback":    "the public help page's helpful/not buttons, on public articles only",
	"KB.RecordDeflection":   "the web form's suggestion session (opened, solved, submitted)",
	"KB.SearchKB":           "the web form's and the portal's suggestions; without a user, public articles only",
}

// TestEveryServiceMethodNeedsAUser calls every method of every service
// the store implements (aftersales.Services, found by reflection, so a new
// method is covered) with a context that carries no user and zero
// arguments: each must answer EUNAUTHORIZED, before it reads its
// arguments or the database.
func TestEveryServiceMethodNeedsAUser(t *testing.T) {
	db := testutil.OpenDB(t, sqlstore.SQLite)
	all := db.Services()
	all.Topics = topics.New(db, db.Text, time.UTC, db.Now) // wired over the store by the app
	services := reflect.ValueOf(all)
	n, seen := 0, map[string]bool{}
	for i := range services.NumField() {
		group := services.Type().Field(i).Name
		svc := services.Field(i)
		for j := range svc.NumMethod() {
			m := svc.Type().Method(j)
			name := group + "." + m.Name
			seen[name] = true
			if _, ok := noUserNeeded[name]; ok {
				continue
			}
			n++
			t.Run(name, func(t *testing.T) {
				code := call(t, svc.Method(j))
				if code != aftersales.EUNAUTHORIZED {
					t.Errorf("%s without a user: %q, want %s", name, code, aftersales.EUNAUTHORIZED)
				}
			})
		}
	}
	for name := range noUserNeeded {
		if !seen[name] {
			t.Errorf("noUserNeeded lists %s, which is not a service method", name)
		}
	}
	if n < 80 {
		t.Fatalf("only %d service methods checked", n)
	}
}

// call calls fn with a context without a user and zero values (pointers
// to zero values, functions that fail the test if called), and returns
// the code of the error it returns.
func call(t *testing.T, fn reflect.Value) (code string) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			code = "panic"
			t.Errorf("panics without a user: %v", r)
		}
	}()
	ft := fn.Type()
	args := make([]reflect.Value, ft.NumIn())
	for i := range args {
		in := ft.In(i)
		switch {
		case in == reflect.TypeFor[context.Context]():
			args[i] = reflect.ValueOf(context.Background())
		case in.Kind() == reflect.Pointer:
			args[i] = reflect.New(in.Elem())
		case in.Kind() == reflect.Func:
			args[i] = reflect.MakeFunc(in, func([]reflect.Value) []reflect.Value {
				t.Errorf("called back without a user")
				out := make([]reflect.Value, in.NumOut())
				for k := range out {
					out[k] = reflect.Zero(in.Out(k))
				}
				return out
			})
		default:
			args[i] = reflect.Zero(in)
		}
	}
	outs := fn.Call(args)
	if len(outs) == 0 {
		return ""
	}
	err, _ := outs[len(outs)-1].Interface().(error)
	if err == nil {
		return "no error"
	}
	return aftersales.ErrorCode(err)
}
