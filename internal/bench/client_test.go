package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// fakeAPI answers the bench's requests like the API does and records
// what it received: each create's body and headers, and the connections.
type fakeAPI struct {
	mu      sync.Mutex
	creates []map[string]any
	bad     []string // requests without the token or JSON type
	conns   map[string]bool
	next    int64
	// closeEvery, when > 0, answers every closeEvery-th create with
	// Connection: close; failEvery, when > 0, every failEvery-th with 422.
	closeEvery, failEvery int
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.conns[r.RemoteAddr] = true
	if r.Header.Get("Authorization") != "Bearer tok" {
		f.bad = append(f.bad, r.Method+" "+r.URL.Path+": authorization")
	}
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/api/v1/customers":
		io.WriteString(w, `{"id": 7, "name": "aftersales bench"}`)
	case r.Method == http.MethodPost && r.URL.Path == "/api/v1/tickets":
		if r.Header.Get("Content-Type") != "application/json" {
			f.bad = append(f.bad, "create: content type")
		}
		var in map[string]any
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			f.bad = append(f.bad, "create: "+err.Error())
		}
		f.creates = append(f.creates, in)
		n := len(f.creates)
		if f.closeEvery > 0 && n%f.closeEvery == 0 {
			w.Header().Set("Connection", "close")
		}
		if f.failEvery > 0 && n%f.failEvery == 0 {
			w.WriteHeader(http.StatusUnprocessableEntity)
			io.WriteString(w, `{"title": "Unprocessable Entity"}`)
			return
		}
		f.next++
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"id": %d, "number": "AS202612-%06d", "title": %q, "version": 1, "tags": [], "custom": {}}`, f.next, f.next, in["title"])
	default:
		http.NotFound(w, r)
	}
}

// TestCreateRequests: the bench's own connections send what an
// http.Client sent: each create a JSON body with the run's customer and
// its client's title, the token, one kept-alive connection per client; an
// answer that closes the connection is followed by a new one, and a
// refused create counts under its status.
func TestCreateRequests(t *testing.T) {
	for _, tc := range []struct {
		name                  string
		closeEvery, failEvery int
		wantConns             int // most connections the server may see
		wantErrors            map[string]int
	}{
		{"keep-alive", 0, 0, 3, map[string]int{}},
		{"server closes", 10, 0, 3 + 60/10, map[string]int{}},
		{"refused", 0, 6, 3, map[string]int{"422": 10}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeAPI{conns: map[string]bool{}, closeEvery: tc.closeEvery, failEvery: tc.failEvery}
			srv := httptest.NewServer(f)
			defer srv.Close()
			rep, err := Run(context.Background(), Config{URL: srv.URL, Token: "tok", Mix: []Weight{{OpCreate, 100}},
				Clients: 3, Requests: 60, Timeout: 5 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Total.Count != 60 {
				t.Errorf("%d requests measured, want 60", rep.Total.Count)
			}
			if d := cmp.Diff(tc.wantErrors, rep.Total.Errors, cmpopts.EquateEmpty()); d != "" {
				t.Errorf("errors (-want +got):\n%s", d)
			}
			f.mu.Lock()
			defer f.mu.Unlock()
			if len(f.bad) > 0 {
				t.Errorf("bad requests: %v", f.bad)
			}
			if len(f.creates) != 60 {
				t.Fatalf("server saw %d creates, want 60", len(f.creates))
			}
			titles := map[string]bool{}
			for _, in := range f.creates {
				title, _ := in["title"].(string)
				titles[title] = true
				in["title"] = "-"
				want := map[string]any{"channel": "api", "nature": "repair", "urgency": "normal", "customer_id": 7.0,
					"title": "-", "description": "Created by aftersales bench."}
				if d := cmp.Diff(want, in); d != "" {
					t.Fatalf("create body (-want +got):\n%s", d)
				}
				if !strings.HasPrefix(title, "bench ") {
					t.Fatalf("title %q", title)
				}
			}
			if len(titles) != 3 {
				t.Errorf("%d distinct titles, want one per client (3): %v", len(titles), titles)
			}
			if len(f.conns) > tc.wantConns || len(f.conns) < 3 {
				t.Errorf("%d connections, want 3 to %d", len(f.conns), tc.wantConns)
			}
		})
	}
}

// TestRequestTimeout: an answer that does not come within --timeout
// fails the request as "network" and the run goes on.
func TestRequestTimeout(t *testing.T) {
	release := make(chan struct{})
	var mu sync.Mutex
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v1/customers" {
			io.WriteString(w, `{"id": 7}`)
			return
		}
		io.Copy(io.Discard, r.Body)
		mu.Lock()
		n++
		first := n == 1
		mu.Unlock()
		if first {
			<-release // the first create never answers in time
		}
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"id": 1, "version": 1}`)
	}))
	defer srv.Close()
	defer close(release)
	rep, err := Run(context.Background(), Config{URL: srv.URL, Token: "tok", Mix: []Weight{{OpCreate, 100}},
		Clients: 1, Requests: 5, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(map[string]int{"network": 1}, rep.Total.Errors); d != "" {
		t.Errorf("errors (-want +got):\n%s", d)
	}
	if rep.Total.Count != 5 {
		t.Errorf("%d requests, want 5", rep.Total.Count)
	}
}

// TestServerClosesIdle: a server that closes each connection after its
// answer without saying so (as one does when a kept-alive connection
// idles past its timeout) costs no request: the next one goes again on a
// new connection, and the server sees each create once.
func TestServerClosesIdle(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var mu sync.Mutex
	creates := 0
	go func() {
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer nc.Close()
				req, err := http.ReadRequest(bufio.NewReader(nc))
				if err != nil {
					return
				}
				io.Copy(io.Discard, req.Body)
				body := `{"id": 7}`
				if req.URL.Path == "/api/v1/tickets" {
					mu.Lock()
					creates++
					body = fmt.Sprintf(`{"id": %d, "version": 1}`, creates)
					mu.Unlock()
				}
				fmt.Fprintf(nc, "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
			}()
		}
	}()
	rep, err := Run(context.Background(), Config{URL: "http://" + ln.Addr().String(), Token: "tok", Mix: []Weight{{OpCreate, 100}},
		Clients: 2, Requests: 20, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(map[string]int{}, rep.Total.Errors, cmpopts.EquateEmpty()); d != "" {
		t.Errorf("errors (-want +got):\n%s", d)
	}
	mu.Lock()
	defer mu.Unlock()
	if rep.Total.Count != 20 || creates != 20 {
		t.Errorf("%d requests measured, server saw %d creates; want 20 and 20", rep.Total.Count, creates)
	}
}
