package sqlstore_test

import (
	"errors"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/sqlstore"
	. "aftersales/internal/testutil"

	"github.com/google/go-cmp/cmp"
)

func TestDictionaryStore(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		ctx, _ := Admin(t, db)
		stamp0, err := db.DictionaryStamp(ctx)
		if err != nil {
			t.Fatal(err)
		}
		w, err := db.CreateDictWord(ctx, aftersales.DictWordInput{Word: " 不制冷 ", Kind: "fault"})
		if err != nil {
			t.Fatal(err)
		}
		stamp1, _ := db.DictionaryStamp(ctx)
		if stamp1 == stamp0 {
			t.Error("adding a word left the configuration stamp as it was: other instances would not reload")
		}
		if _, err := db.UpdateDictWord(ctx, w.ID, w.Version+1, aftersales.DictWordInput{Word: "不制冷", Kind: "fault"}); aftersales.ErrorCode(err) != aftersales.ECONFLICT {
			t.Errorf("stale version: %v, want ECONFLICT", err)
		}
		if _, err := db.CreateDictWord(ctx, aftersales.DictWordInput{Word: "不制冷", Kind: "fault"}); aftersales.ErrorCode(err) != aftersales.ECONFLICT {
			t.Errorf("duplicate word: %v, want ECONFLICT", err)
		}
		// An import with one bad row writes nothing and names the row.
		_, err = db.ImportDictionary(ctx, []aftersales.DictWordInput{{Word: "KFR-35GW", Kind: "model"}, {Word: "外机 噪音", Kind: "fault"}, {Word: "安装费", Kind: "fee"}})
		var ae *aftersales.Error
		if !errors.As(err, &ae) {
			t.Fatalf("bad import: %v, want a field error", err)
		}
		var fields []string
		for _, f := range ae.Fields {
			fields = append(fields, f.Field)
		}
		if diff := cmp.Diff([]string{"words[1].word", "words[2].kind"}, fields); diff != "" {
			t.Errorf("import errors (-want +got):\n%s", diff)
		}
		n, err := db.ImportDictionary(ctx, []aftersales.DictWordInput{{Word: "KFR-35GW", Kind: "model"}, {Word: "不制冷", Kind: "fault", Freq: 2000}})
		if err != nil || n != 2 {
			t.Fatalf("import: %d, %v", n, err)
		}
		words, err := db.Dictionary(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, w := range words {
			got = append(got, w.Word+"/"+w.Kind)
		}
		if diff := cmp.Diff([]string{"KFR-35GW/model", "不制冷/fault"}, got); diff != "" {
			t.Errorf("dictionary (-want +got):\n%s", diff)
		}
		if words[1].Freq != 2000 || words[1].Version != 2 {
			t.Errorf("re-imported word: freq %v version %d, want 2000 and 2", words[1].Freq, words[1].Version)
		}
		if err := db.DeleteDictWord(ctx, words[0].ID); err != nil {
			t.Fatal(err)
		}
		if err := db.DeleteDictWord(ctx, words[0].ID); aftersales.ErrorCode(err) != aftersales.ENOTFOUND {
			t.Errorf("second delete: %v, want ENOTFOUND", err)
		}
	})
}

func TestTopicRunStore(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		ctx, _ := Admin(t, db)
		c := MustCustomer(t, ctx, db, "张三")
		var ids []int64
		for _, title := range []string{"空调不制冷", "空调不制冷了", "物流太慢"} {
			ids = append(ids, MustTicket(t, ctx, db, c.ID, title).ID)
		}
		now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
		cool := &aftersales.TopicRecord{Name: "空调不制冷", Terms: []aftersales.TopicTerm{{Term: "空调", Weight: 0.7}, {Term: "不制冷", Weight: 0.7}}, FirstSeen: now, LastSeen: now}
		ship := &aftersales.TopicRecord{Name: "物流", Terms: []aftersales.TopicTerm{{Term: "物流", Weight: 1}}, FirstSeen: now, LastSeen: now}
		if err := db.SaveTopicRun(ctx, []aftersales.TopicAssignment{{Topic: cool, Tickets: ids[:2]}, {Topic: ship, Tickets: ids[2:]}}); err != nil {
			t.Fatal(err)
		}
		if cool.ID == 0 || ship.ID == 0 {
			t.Fatal("new topics got no id")
		}
		// A later run moves a ticket; the matched topic keeps its id and name.
		later := now.Add(24 * time.Hour)
		cool.LastSeen = later
		if err := db.SaveTopicRun(ctx, []aftersales.TopicAssignment{{Topic: cool, Tickets: ids}}); err != nil {
			t.Fatal(err)
		}
		got, err := db.TopicRecord(ctx, cool.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(cool, got); diff != "" {
			t.Errorf("stored topic (-want +got):\n%s", diff)
		}
		page, err := db.ListTickets(ctx, aftersales.TicketFilter{TopicID: cool.ID, Count: true})
		if err != nil {
			t.Fatal(err)
		}
		if page.Total == nil || *page.Total != 3 {
			t.Errorf("tickets of the topic: total %v, want 3", page.Total)
		}
		page, _ = db.ListTickets(ctx, aftersales.TicketFilter{TopicID: ship.ID, Count: true})
		if page.Total == nil || *page.Total != 0 {
			t.Errorf("tickets left in the old topic: %v, want 0", page.Total)
		}
		all, err := db.StoredTopics(ctx)
		if err != nil || len(all) != 2 {
			t.Errorf("stored topics: %d, %v", len(all), err)
		}
		if _, err := db.TopicRecord(ctx, 999); aftersales.ErrorCode(err) != aftersales.ENOTFOUND {
			t.Errorf("missing topic: %v", err)
		}
	})
}
