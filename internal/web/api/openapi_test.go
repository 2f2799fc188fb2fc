package api_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web/api"
	"aftersales/internal/web/webtest"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite testdata/openapi.json from the code")

// snapshotVersion stands for the build's version in the snapshot.
const snapshotVersion = "SNAPSHOT"

// TestOpenAPISnapshot keeps the OpenAPI document committed, so that a
// change to the API shows in review: the document the code generates must
// equal testdata/openapi.json (go test ./internal/web/api -run
// TestOpenAPISnapshot -update rewrites it), and the server serves that
// same document.
func TestOpenAPISnapshot(t *testing.T) {
	got, err := api.Document(snapshotVersion)
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("testdata", "openapi.json")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to write it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("the API changed: %s differs from the code (review, then run with -update):\n%s", path, firstDiff(string(want), string(got)))
	}
	// OpenAPI allows only these characters in a component's name; an
	// anonymous Go struct in a response gives huma a schema named after
	// its source text, which the CI's Redocly lint refuses.
	var doc struct {
		Components map[string]map[string]json.RawMessage `json:"components"`
	}
	if err := json.Unmarshal(got, &doc); err != nil {
		t.Fatal(err)
	}
	validName := regexp.MustCompile(`^[a-zA-Z0-9._-]+$`)
	for kind, m := range doc.Components {
		for name := range m {
			if !validName.MatchString(name) {
				t.Errorf("components.%s has the name %q, not allowed in OpenAPI: give the Go type a name", kind, name)
			}
		}
	}

	db := testutil.OpenDB(t, sqlstore.SQLite)
	app := webtest.Start(t, db)
	res, err := http.Get(app.Server.URL + api.Prefix + "/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var served, generated map[string]any
	if err := json.Unmarshal(raw, &served); err != nil {
		t.Fatalf("served document: %v", err)
	}
	json.Unmarshal(got, &generated)
	served["info"].(map[string]any)["version"] = snapshotVersion
	if diff := cmp.Diff(generated, served); diff != "" {
		t.Errorf("the served document differs from api.Document (-generated +served):\n%.3000s", diff)
	}
}

// firstDiff shows the first differing line of two texts, with context.
func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < max(len(al), len(bl)); i++ {
		if i >= len(al) || i >= len(bl) || al[i] != bl[i] {
			var s strings.Builder
			for j := max(0, i-5); j < min(i+5, max(len(al), len(bl))); j++ {
				x, y := "", ""
				if j < len(al) {
					x = al[j]
				}
				if j < len(bl) {
					y = bl[j]
				}
				if x == y {
					fmt.Fprintf(&s, "  %5d  %s\n", j+1, x)
				} else {
					fmt.Fprintf(&s, "- %5d  %s\n+ %5d  %s\n", j+1, x, j+1, y)
				}
			}
			return s.String()
		}
	}
	return ""
}
