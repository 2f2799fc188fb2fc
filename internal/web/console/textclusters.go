package console

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"aftersales"
	"aftersales/internal/analytics"
	"aftersales/internal/dataio"
)

// The complaint clusters page (/voc/clusters) and the domain dictionary
// (/admin/dictionary), issue #21. The clusters of a scope and period are
// computed on each view (the run is stored, so topics keep their ids and
// the ticket list can filter by one); each topic shows its terms, size,
// weekly trend and examples, drills to its tickets and can open an
// improvement item. Without a cause field on complaints, the topics are
// the causes of the Pareto.

type clustersView struct {
	Scope    aftersales.TopicScope
	Regions  []*aftersales.ServiceUnit
	Products []*aftersales.Product
	Run      *aftersales.TopicRun
	Topics   []clusterCard
	Pareto   opt
	CanItem  bool
	CanWords bool
}

type clusterCard struct {
	*aftersales.TextTopic
	Drill string // the ticket list of the topic in the scope
	Trend opt
	Query string // the scope, for the improvement item's form
	Share string
}

// query is the scope as URL parameters.
func scopeQuery(s aftersales.TopicScope) url.Values {
	q := url.Values{}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	id := func(n int64) string {
		if n == 0 {
			return ""
		}
		return strconv.FormatInt(n, 10)
	}
	set("from", s.From)
	set("to", s.To)
	set("region_id", id(s.RegionID))
	set("product_id", id(s.ProductID))
	set("category_id", id(s.CategoryID))
	set("channel", s.Channel)
	set("nature", s.Nature)
	return q
}

func readScope(q url.Values) (aftersales.TopicScope, error) {
	s := aftersales.TopicScope{From: q.Get("from"), To: q.Get("to"), Channel: q.Get("channel"), Nature: q.Get("nature")}
	var v aftersales.Validator
	for _, p := range []struct {
		name string
		dst  *int64
	}{{"region_id", &s.RegionID}, {"product_id", &s.ProductID}, {"category_id", &s.CategoryID}} {
		if x := q.Get(p.name); x != "" {
			n, err := strconv.ParseInt(x, 10, 64)
			v.Check(err == nil && n > 0, p.name, "must be chosen from the list")
			*p.dst = n
		}
	}
	if s.Nature == "" {
		s.Nature = string(aftersales.NatureComplaint)
	}
	return s, v.Err()
}

func (c *Console) textClusterRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /voc/clusters", c.guard(c.clustersPage))
	mux.HandleFunc("POST /voc/clusters/{id}/item", c.guard(c.clusterItem))
	mux.HandleFunc("GET /admin/dictionary", c.guard(func(w http.ResponseWriter, r *http.Request) { c.dictionaryShow(w, r, nil) }))
	mux.HandleFunc("POST /admin/dictionary", c.guard(c.dictionaryCreate))
	mux.HandleFunc("POST /admin/dictionary/import", c.guard(c.dictionaryImport))
	mux.HandleFunc("POST /admin/dictionary/{id}/delete", c.guard(c.dictionaryDelete))
}

func (c *Console) clustersPage(w http.ResponseWriter, r *http.Request) {
	c.adminPage(w, r, "voc_clusters", "voc_clusters", "clusters.title", func(p *Page) error {
		p.Charts = true
		ctx := r.Context()
		q := r.URL.Query()
		s, err := readScope(q)
		if err != nil {
			return err
		}
		today := c.Now().In(c.Zone)
		if s.To == "" {
			s.To = today.Format(time.DateOnly)
		}
		if s.From == "" {
			// A year: complaints are a small share of the tickets, and
			// topics need enough of them to show.
			s.From = today.AddDate(-1, 0, 1).Format(time.DateOnly)
		}
		v := &clustersView{Scope: s, CanItem: isManager(p.User),
			CanWords: p.User.Role.Can(aftersales.PermSettingsWrite)}
		p.Data = v
		units, err := c.S.Network.ListServiceUnits(ctx)
		if err != nil {
			return err
		}
		for _, u := range units {
			if u.Kind == aftersales.UnitRegion {
				v.Regions = append(v.Regions, u)
			}
		}
		if v.Products, err = c.S.Catalog.ListProducts(ctx, 0); err != nil {
			return err
		}
		f, err := s.Filter(c.Zone)
		if err != nil {
			return err
		}
		if v.Run, err = c.S.Topics.RunTopics(ctx, f); err != nil {
			return err
		}
		sq := scopeQuery(s)
		counts := map[string]float64{}
		label := map[string]string{}
		drills := map[string]string{}
		for _, t := range v.Run.Topics {
			dq := scopeQuery(s)
			dq.Set("topic_id", strconv.FormatInt(t.ID, 10))
			card := clusterCard{TextTopic: t, Drill: "/tickets?" + dq.Encode(), Query: sq.Encode(),
				Share: strconv.FormatFloat(100*t.Share, 'f', 1, 64) + "%"}
			var labels, urls []string
			var vals []*float64
			var weekDesc []string
			for _, pt := range t.Trend {
				n := float64(pt.Count)
				labels = append(labels, pt.Period)
				vals = append(vals, &n)
				urls = append(urls, "")
				weekDesc = append(weekDesc, fmt.Sprintf("%s %d", pt.Period, pt.Count))
			}
			card.Trend = lineChart(labels, vals, urls, p.T("clusters.tickets"), nil, "")
			card.Trend["aria"] = opt{"enabled": true, "label": opt{"description": fmt.Sprintf(p.T("clusters.trend_aria"), t.Name, strings.Join(weekDesc, ", "))}}
			v.Topics = append(v.Topics, card)
			key := strconv.FormatInt(t.ID, 10)
			counts[key], label[key], drills[key] = float64(t.Size), t.Name, card.Drill
		}
		if len(counts) > 0 {
			items := analytics.Pareto(counts)
			var labels, urls []string
			var desc []string
			for _, it := range items {
				labels = append(labels, label[it.Key])
				urls = append(urls, drills[it.Key])
				desc = append(desc, fmt.Sprintf("%s %d", label[it.Key], int(it.Count)))
			}
			v.Pareto = paretoChart(items, labels, urls, p.T("clusters.tickets"), p.T("dash.cumulative"))
			bars := v.Pareto["series"].([]opt)[0]["data"].([]chartItem)
			for i, it := range items {
				n := int64(it.Count)
				bars[i].Count = &n
			}
			v.Pareto["aria"] = opt{"enabled": true, "label": opt{"description": fmt.Sprintf(p.T("clusters.pareto_aria"), strings.Join(desc, ", "))}}
		}
		sort.SliceStable(v.Regions, func(i, j int) bool { return v.Regions[i].Name < v.Regions[j].Name })
		return nil
	}, nil)
}

// clusterItem opens an improvement item from a topic, with its tickets in
// the scope linked, and shows the item.
func (c *Console) clusterItem(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	q, _ := url.ParseQuery(r.PostFormValue("scope"))
	p := c.page(r, "voc_clusters", "clusters.title")
	s, err := readScope(q)
	var f aftersales.TicketFilter
	if err == nil {
		f, err = s.Filter(c.Zone)
	}
	var item *aftersales.ImprovementItem
	if err == nil {
		item, err = c.S.Topics.OpenTopicItem(r.Context(), id, f, func(t *aftersales.TopicRecord, n int) (string, string) {
			terms := make([]string, len(t.Terms))
			for i, x := range t.Terms {
				terms[i] = x.Term
			}
			return fmt.Sprintf(p.T("clusters.item_title"), t.Name), fmt.Sprintf(p.T("clusters.item_description"), n, strings.Join(terms, ", "))
		})
	}
	if err != nil {
		c.fail(w, r, "", p, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/quality/items/%d?ok=created", item.ID), http.StatusSeeOther)
}

type dictionaryView struct {
	Words   []*aftersales.DictWord
	Kinds   []string
	Errors  []string // every field error of a refused import, in order
	CanEdit bool
}

func (c *Console) dictionaryShow(w http.ResponseWriter, r *http.Request, formErr error) {
	c.adminPage(w, r, "dictionary", "dictionary", "dictionary.title", func(p *Page) error {
		// The page is the admins' editor; the API lists the words to any staff.
		if _, err := aftersales.Require(r.Context(), aftersales.PermSettingsWrite); err != nil {
			return err
		}
		v := &dictionaryView{Kinds: aftersales.DictKinds, CanEdit: true}
		p.Data = v
		for _, f := range aftersales.ErrorFields(formErr) {
			v.Errors = append(v.Errors, dictField(p, f.Field)+": "+p.cat.fieldReason(p.Lang, f.Reason))
		}
		var err error
		v.Words, err = c.S.Topics.Dictionary(r.Context())
		return err
	}, formErr)
}

var lineField = regexp.MustCompile(`^line ([0-9]+)(?:: ([a-z]+))?$`)

// dictField names an import error's field in the page's language: "line
// 3: kind" is 第 3 行 类型.
func dictField(p *Page, field string) string {
	if m := lineField.FindStringSubmatch(field); m != nil {
		s := fmt.Sprintf(p.T("dictionary.line"), m[1])
		if m[2] != "" {
			s += " " + p.tOr("dictionary."+m[2], m[2])
		}
		return s
	}
	return p.tOr("dictionary."+field, field)
}

func dictInput(f *form) aftersales.DictWordInput {
	in := aftersales.DictWordInput{Word: f.str("word"), Kind: f.str("kind"), Note: f.str("note")}
	if x := f.float("freq"); x != nil {
		in.Freq = *x
	}
	return in
}

func (c *Console) dictionaryCreate(w http.ResponseWriter, r *http.Request) {
	f := &form{r: r}
	in := dictInput(f)
	err := f.v.Err()
	if err == nil {
		_, err = c.S.Topics.CreateDictWord(r.Context(), in)
	}
	c.done(w, r, "/admin/dictionary?ok=created", err, c.dictionaryShow)
}

func (c *Console) dictionaryDelete(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	c.done(w, r, "/admin/dictionary?ok=saved", c.S.Topics.DeleteDictWord(r.Context(), id), c.dictionaryShow)
}

// MaxDictionaryBytes bounds an uploaded dictionary file.
const MaxDictionaryBytes = 8 << 20

func (c *Console) dictionaryImport(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, MaxDictionaryBytes)
	file, _, err := r.FormFile("file")
	if err != nil {
		c.dictionaryShow(w, r, &aftersales.Error{Code: aftersales.EINVALID, Message: "Choose a CSV or XLSX file of at most 8 MB.",
			Fields: []aftersales.FieldError{{Field: "file", Reason: "is required"}}})
		return
	}
	defer file.Close()
	words, lines, err := dataio.ReadDictionary(file)
	if err == nil {
		_, err = c.S.Topics.ImportDictionary(r.Context(), words)
		err = dataio.DictionaryLines(err, lines)
	}
	c.done(w, r, "/admin/dictionary?ok=saved", err, c.dictionaryShow)
}
