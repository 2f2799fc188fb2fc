package console

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"aftersales"
	"aftersales/internal/dataio"
)

// MaxImportBytes bounds a file uploaded for import.
const MaxImportBytes = 512 << 20

// uploadName is the form of an upload's token: nothing else reaches the
// file system.
var uploadName = regexp.MustCompile(`^[0-9a-f]{24}$`)

// defaultFormats are the date layouts the column form proposes.
const defaultFormats = "2006-01-02 15:04:05, 2006-01-02 15:04, 2006-01-02, 2006/1/2 15:04:05, 2006/1/2 15:04, 2006/1/2, 01/02/2006 03:04:05 PM"

func (c *Console) importRoutes(mux *http.ServeMux) {
	g := c.guard
	mux.HandleFunc("GET /imports", g(c.imports))
	mux.HandleFunc("POST /imports", g(c.upload))
	mux.HandleFunc("GET /uploads/{token}", g(c.mapUpload))
	mux.HandleFunc("POST /uploads/{token}", g(c.runUpload))
}

type importsView struct {
	Batches []*aftersales.ImportBatch
	// ListError says why the list of imports is missing.
	ListError string
}

func (c *Console) imports(w http.ResponseWriter, r *http.Request) {
	c.adminPage(w, r, "quality", "imports", "imports.title", func(p *Page) error {
		if _, err := aftersales.Require(r.Context(), aftersales.PermDataImport); err != nil {
			return err
		}
		bs, err := c.S.Imports.ListImports(r.Context(), 20)
		p.Data = importsView{Batches: bs}
		return err
	}, nil)
}

// upload streams the file into the upload directory and goes on to the
// mapping screen. Uploads older than a day are removed.
func (c *Console) upload(w http.ResponseWriter, r *http.Request) {
	fail := func(err error) {
		p := c.page(r, "quality", "imports.title")
		bs, lerr := c.S.Imports.ListImports(r.Context(), 20)
		v := importsView{Batches: bs}
		if lerr != nil {
			v.ListError = c.notice(r, p, "imports", lerr)
		}
		p.Data = v
		c.fail(w, r, "imports", p, err)
	}
	if _, err := aftersales.Require(r.Context(), aftersales.PermDataImport); err != nil {
		fail(err)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxImportBytes+1<<20)
	mr, err := r.MultipartReader()
	if err != nil {
		fail(fieldErr("file", "choose a CSV or XLSX file"))
		return
	}
	part, err := mr.NextPart()
	for err == nil && part.FormName() != "file" {
		part, err = mr.NextPart()
	}
	if err != nil || part.FileName() == "" {
		fail(fieldErr("file", "choose a CSV or XLSX file"))
		return
	}
	c.sweepUploads(r.Context())
	b := make([]byte, 12)
	rand.Read(b)
	token := hex.EncodeToString(b)
	bw, err := c.Uploads.CreateBlob(r.Context(), uploadKey(token, "data"))
	if err != nil {
		fail(err)
		return
	}
	defer bw.Abort() // no-op after Commit
	n, err := io.Copy(bw, part)
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig) || n > MaxImportBytes:
		fail(&aftersales.Error{Code: aftersales.ETOOLARGE, Message: "The file is too large.",
			Fields: []aftersales.FieldError{{Field: "file", Reason: fmt.Sprintf("must be at most %d MiB", MaxImportBytes>>20)}}})
		return
	case err != nil:
		fail(err)
		return
	case n == 0:
		fail(fieldErr("file", "is empty"))
		return
	}
	if err := c.putUploadName(r.Context(), token, filepath.Base(part.FileName())); err != nil {
		fail(err)
		return
	}
	if err := bw.Commit(); err != nil {
		c.Uploads.RemoveBlob(context.WithoutCancel(r.Context()), uploadKey(token, "name"))
		fail(err)
		return
	}
	http.Redirect(w, r, "/uploads/"+token, http.StatusSeeOther)
}

func fieldErr(field, reason string) error {
	return &aftersales.Error{Code: aftersales.EINVALID, Message: "The upload is invalid.", Fields: []aftersales.FieldError{{Field: field, Reason: reason}}}
}

// uploadKey names an upload's blobs: its bytes (data) and the name the
// user's file had (name), below "import/" in the upload store.
func uploadKey(token, part string) string { return "import/" + token + "." + part }

func (c *Console) putUploadName(ctx context.Context, token, name string) error {
	w, err := c.Uploads.CreateBlob(ctx, uploadKey(token, "name"))
	if err != nil {
		return err
	}
	if _, err := io.WriteString(w, name); err != nil {
		w.Abort()
		return err
	}
	return w.Commit()
}

// sweepUploads forgets uploads older than a day: a mapping left half done.
func (c *Console) sweepUploads(ctx context.Context) {
	if _, err := c.Uploads.SweepBlobs(ctx, "import/", c.Now().Add(-24*time.Hour)); err != nil {
		c.Log.Warn("console: sweep import uploads", "err", err)
	}
}

// uploadView is the mapping screen.
type uploadView struct {
	Token    string
	Name     string
	Size     int64
	Sample   *dataio.Sample
	Builtins []string
	Targets  []string
	// Mode is builtin, columns or json; Cols the chosen column per target.
	Mode    string
	Builtin string
	Cols    map[string]string
	JSON    string
	Formats string
	Zone    string
	Source  string
	// Result of a dry run or an import.
	Summary *aftersales.ImportSummary
	Issues  []aftersales.RowIssue
	More    int
}

func (c *Console) openUpload(r *http.Request) (*uploadView, aftersales.Blob, error) {
	token := r.PathValue("token")
	if !uploadName.MatchString(token) {
		return nil, nil, aftersales.Errorf(aftersales.ENOTFOUND, "This upload does not exist.")
	}
	f, err := c.Uploads.OpenBlob(r.Context(), uploadKey(token, "data"))
	if aftersales.ErrorCode(err) == aftersales.ENOTFOUND {
		return nil, nil, aftersales.Errorf(aftersales.ENOTFOUND, "This upload does not exist or has expired; upload the file again.")
	}
	if err != nil {
		return nil, nil, err
	}
	var name []byte
	if nf, err := c.Uploads.OpenBlob(r.Context(), uploadKey(token, "name")); err == nil {
		name, _ = io.ReadAll(io.LimitReader(nf, 1<<10))
		nf.Close()
	}
	v := &uploadView{Token: token, Name: string(name), Size: f.Size(), Builtins: dataio.BuiltinNames(), Targets: dataio.TargetFields,
		Mode: "columns", Formats: defaultFormats, Zone: c.Zone.String(), Source: sourceName(string(name))}
	return v, f, nil
}

// sourceName is the default namespace of an upload's external ids: the
// file name without extension, so re-importing the file updates.
func sourceName(file string) string {
	base := strings.TrimSuffix(file, ".gz")
	s := strings.NewReplacer(":", "_", " ", "_").Replace(strings.TrimSuffix(base, filepath.Ext(base)))
	return cmp.Or(s, "upload")
}

func (c *Console) mapUpload(w http.ResponseWriter, r *http.Request) {
	c.adminPage(w, r, "quality", "import_map", "imports.map", func(p *Page) error {
		if _, err := aftersales.Require(r.Context(), aftersales.PermDataImport); err != nil {
			return err
		}
		v, f, err := c.openUpload(r)
		if err != nil {
			return err
		}
		defer f.Close()
		p.Data = v
		v.Sample, err = dataio.Preview(f, dataio.Format{}, 8)
		if err != nil {
			p.Errs["file"] = aftersales.ErrorFields(err)[0].Reason
			v.Sample = &dataio.Sample{}
			return nil
		}
		v.Cols = dataio.GuessColumns(v.Sample.Header)
		if name := r.URL.Query().Get("mapping"); slices.Contains(v.Builtins, name) {
			v.Mode, v.Builtin = "builtin", name
		}
		m, _ := formMapping(v)
		v.JSON = mappingJSON(m)
		return nil
	}, nil)
}

// formMapping builds the mapping the column form describes.
func formMapping(v *uploadView) (*dataio.Mapping, error) {
	var formats []string
	for _, f := range strings.Split(v.Formats, ",") {
		if f = strings.TrimSpace(f); f != "" {
			formats = append(formats, f)
		}
	}
	return dataio.ColumnMapping(v.Source, v.Zone, v.Cols["key"], v.Cols, formats)
}

func mappingJSON(m *dataio.Mapping) string {
	if m == nil {
		return ""
	}
	b, _ := json.MarshalIndent(m, "", "  ")
	return string(b)
}

// runUpload dry-runs or imports the upload with the chosen mapping and
// shows the summary and the first rejected or flagged rows. A failed
// import changes nothing and shows why, field by field.
func (c *Console) runUpload(w http.ResponseWriter, r *http.Request) {
	p := c.page(r, "quality", "imports.map")
	r.ParseForm()
	p.Form = r.PostForm
	if _, err := aftersales.Require(r.Context(), aftersales.PermDataImport); err != nil {
		c.fail(w, r, "", p, err)
		return
	}
	v, f, err := c.openUpload(r)
	if err != nil {
		c.fail(w, r, "", p, err)
		return
	}
	defer f.Close()
	p.Data = v
	if v.Sample, err = dataio.Preview(f, dataio.Format{}, 8); err != nil {
		v.Sample = &dataio.Sample{}
	}
	v.Mode, v.Builtin, v.JSON = r.PostFormValue("mode"), r.PostFormValue("builtin"), r.PostFormValue("json")
	v.Formats, v.Zone, v.Source = r.PostFormValue("formats"), r.PostFormValue("time_zone"), strings.TrimSpace(r.PostFormValue("source"))
	v.Cols = map[string]string{}
	for _, t := range append([]string{"key"}, v.Targets...) {
		v.Cols[t] = r.PostFormValue("col." + t)
	}
	var m *dataio.Mapping
	switch v.Mode {
	case "builtin":
		m, err = dataio.Builtin(v.Builtin)
	case "json":
		m, err = dataio.ReadMapping(strings.NewReader(v.JSON))
	default:
		v.Mode = "columns"
		if m, err = formMapping(v); err == nil {
			v.JSON = mappingJSON(m)
		}
	}
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		c.fail(w, r, "import_map", p, err)
		return
	}
	dry := r.PostFormValue("action") != "import"
	collect := func(i aftersales.RowIssue) {
		if len(v.Issues) < 100 {
			v.Issues = append(v.Issues, i)
		} else {
			v.More++
		}
	}
	m.Zone = c.Zone // dates without a zone are the deployment's
	v.Summary, err = dataio.Import(r.Context(), dataio.Observe(c.S.Imports, collect), f, m, v.Name, dry, c.Now, nil)
	if err != nil {
		v.Issues, v.More = nil, 0
		c.fail(w, r, "import_map", p, err)
		return
	}
	if !dry {
		p.OK = p.T("imports.done")
	}
	c.render(w, r, "import_map", p)
}
