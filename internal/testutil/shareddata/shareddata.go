// Package shareddata finds the files of ../shared/data for tests, and
// fails or skips a test that needs what is absent: under CI=true it
// fails, elsewhere it skips with a note. It imports nothing of the
// project, so the tests of pure packages that the store depends on (the
// text analytics) can use it without an import cycle through testutil.
package shareddata

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"testing"
)

// CI reports whether the tests run in CI (CI=true), where a test that
// lacks what it needs fails instead of skipping.
func CI() bool {
	ci, _ := strconv.ParseBool(os.Getenv("CI"))
	return ci
}

var skipNote sync.Once

// Missing fails the test under CI and skips it elsewhere, saying what is
// missing; the first skip of a run is also noted on stderr.
func Missing(tb testing.TB, format string, args ...any) {
	tb.Helper()
	msg := fmt.Sprintf(format, args...)
	if CI() {
		tb.Fatalf("%s; CI=true needs it", msg)
	}
	skipNote.Do(func() {
		fmt.Fprintf(os.Stderr, "testutil: skipping: %s (and possibly more; go test -v lists them)\n", msg)
	})
	tb.Skip(msg)
}

// Path returns the path of name in ../shared/data beside the repository,
// or ends the test (Missing) when it is absent.
func Path(tb testing.TB, name string) string {
	tb.Helper()
	_, self, _, _ := runtime.Caller(0)
	p := filepath.Join(filepath.Dir(self), "..", "..", "..", "..", "shared", "data", name)
	if _, err := os.Stat(p); err != nil {
		Missing(tb, "shared data %s is absent (%v): ../shared/data belongs beside the repository", name, err)
	}
	return p
}
