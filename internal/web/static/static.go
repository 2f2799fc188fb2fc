// Package static embeds the console's CSS, JavaScript and vendored
// libraries and serves them under content-hashed URLs, so browsers may
// cache them forever and a new release is never served stale.
package static

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

//go:embed files
var embedded embed.FS

// Assets maps logical names ("app.css") to hashed URLs and serves them.
type Assets struct {
	byName map[string]string // name -> /static/<hash>/<name>
	byURL  map[string][]byte
}

// Load hashes every embedded file once.
func Load() (*Assets, error) {
	a := &Assets{byName: map[string]string{}, byURL: map[string][]byte{}}
	err := fs.WalkDir(embedded, "files", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := embedded.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		name := strings.TrimPrefix(p, "files/")
		url := "/static/" + hex.EncodeToString(sum[:6]) + "/" + name
		a.byName[name] = url
		a.byURL[url] = b
		return nil
	})
	return a, err
}

// URL returns the hashed URL of a named asset, or "" when there is none.
func (a *Assets) URL(name string) string { return a.byName[name] }

// ServeHTTP serves a hashed asset with an immutable cache lifetime.
func (a *Assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, ok := a.byURL[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	ct := mime.TypeByExtension(path.Ext(r.URL.Path))
	if ct == "" {
		ct = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Write(b)
}
