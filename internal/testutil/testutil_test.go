package testutil

import (
	"fmt"
	"runtime"
	"testing"

	"aftersales/internal/sqlstore"
)

// outcome records whether a helper skipped or failed the test it was given.
type outcome struct {
	testing.TB
	skipped, failed string
}

func (o *outcome) Skip(args ...any) { o.skipped = fmt.Sprint(args...); runtime.Goexit() }
func (o *outcome) Skipf(format string, args ...any) {
	o.skipped = fmt.Sprintf(format, args...)
	runtime.Goexit()
}
func (o *outcome) Fatal(args ...any) { o.failed = fmt.Sprint(args...); runtime.Goexit() }
func (o *outcome) Fatalf(format string, args ...any) {
	o.failed = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// run calls fn with an outcome in its own goroutine, as the testing
// package runs a test, so that Skip and Fatal end only fn.
func run(t *testing.T, fn func(tb testing.TB)) *outcome {
	o := &outcome{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(o)
	}()
	<-done
	return o
}

// TestMissingPrerequisites: without PostgreSQL or the shared data a test
// is skipped with the reason on a developer's machine, and fails in CI.
func TestMissingPrerequisites(t *testing.T) {
	t.Setenv(PGEnv, "")
	if got := Engines(); len(got) != 2 {
		t.Errorf("Engines() = %v: PostgreSQL must stay in the list, to be skipped visibly", got)
	}
	for _, ci := range []string{"", "true"} {
		t.Setenv("CI", ci)
		for name, fn := range map[string]func(testing.TB){
			"postgres":    func(tb testing.TB) { DSN(tb, sqlstore.Postgres) },
			"shared data": func(tb testing.TB) { SharedData(tb, "no-such-file.csv") },
		} {
			o := run(t, fn)
			switch {
			case ci == "true" && o.failed == "":
				t.Errorf("%s missing under CI=true: not failed (skipped %q)", name, o.skipped)
			case ci == "" && o.skipped == "":
				t.Errorf("%s missing locally: not skipped (failed %q)", name, o.failed)
			}
		}
	}
}
