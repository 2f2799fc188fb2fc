package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"aftersales"
)

const dictCols = `id, word, kind, freq, note, version, created_at, updated_at`

func scanDictWord(r interface{ Scan(...any) error }) (*aftersales.DictWord, error) {
	var w aftersales.DictWord
	var c, u int64
	if err := r.Scan(&w.ID, &w.Word, &w.Kind, &w.Freq, &w.Note, &w.Version, &c, &u); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, aftersales.Errorf(aftersales.ENOTFOUND, "Dictionary word not found.")
		}
		return nil, fmt.Errorf("sqlstore: scan dictionary word: %w", err)
	}
	w.CreatedAt, w.UpdatedAt = fromMS(c), fromMS(u)
	return &w, nil
}

// Dictionary lists the domain dictionary by word, to those who read the
// text analytics.
func (db *DB) Dictionary(ctx context.Context) ([]*aftersales.DictWord, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermMetricsRead); err != nil {
		return nil, err
	}
	rows, err := db.r.QueryContext(ctx, `SELECT `+dictCols+` FROM text_dictionary ORDER BY word`)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list dictionary: %w", err)
	}
	return collect(rows, scanDictWord)
}

// CreateDictWord adds a word to the domain dictionary.
func (db *DB) CreateDictWord(ctx context.Context, in aftersales.DictWordInput) (*aftersales.DictWord, error) {
	return db.writeDictWord(ctx, 0, 0, in)
}

// UpdateDictWord changes a word of the domain dictionary.
func (db *DB) UpdateDictWord(ctx context.Context, id, version int64, in aftersales.DictWordInput) (*aftersales.DictWord, error) {
	return db.writeDictWord(ctx, id, version, in)
}

func (db *DB) writeDictWord(ctx context.Context, id, version int64, in aftersales.DictWordInput) (*aftersales.DictWord, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermSettingsWrite); err != nil {
		return nil, err
	}
	in.Normalize()
	if err := in.Validate(); err != nil {
		return nil, err
	}
	err := db.inTx(ctx, func(tx *Tx) error {
		if id == 0 {
			err := tx.QueryRowContext(ctx, `INSERT INTO text_dictionary (word, kind, freq, note, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $5) RETURNING id`, in.Word, in.Kind, in.Freq, in.Note, ms(tx.now)).Scan(&id)
			if err != nil {
				return mapErr(fmt.Errorf("sqlstore: insert dictionary word: %w", err))
			}
			return tx.audit(ctx, "create", "dictionary_word", id, in)
		}
		res, err := tx.ExecContext(ctx, `UPDATE text_dictionary SET word = $1, kind = $2, freq = $3, note = $4, updated_at = $5,
			version = version + 1 WHERE id = $6 AND version = $7`, in.Word, in.Kind, in.Freq, in.Note, ms(tx.now), id, version)
		if err != nil {
			return mapErr(fmt.Errorf("sqlstore: update dictionary word: %w", err))
		}
		if err := checkVersion(ctx, tx, res, "text_dictionary", "Dictionary word", id); err != nil {
			return err
		}
		return tx.audit(ctx, "update", "dictionary_word", id, in)
	})
	if err != nil {
		return nil, err
	}
	return scanDictWord(db.w.QueryRowContext(ctx, `SELECT `+dictCols+` FROM text_dictionary WHERE id = $1`, id))
}

// DeleteDictWord removes a word from the domain dictionary.
func (db *DB) DeleteDictWord(ctx context.Context, id int64) error {
	if _, err := aftersales.Require(ctx, aftersales.PermSettingsWrite); err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM text_dictionary WHERE id = $1`, id)
		if err != nil {
			return fmt.Errorf("sqlstore: delete dictionary word: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return aftersales.Errorf(aftersales.ENOTFOUND, "Dictionary word %d not found.", id)
		}
		return tx.audit(ctx, "dictionary.delete", "dictionary_word", id, nil)
	})
}

// ImportDictionary adds the words, replacing the kind, frequency and note
// of a word already there, in one transaction: a bad row fails the whole
// import with the word named in the field ("words[2].kind", from 0 as in
// the API's body).
func (db *DB) ImportDictionary(ctx context.Context, words []aftersales.DictWordInput) (int, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermSettingsWrite); err != nil {
		return 0, err
	}
	var v aftersales.Validator
	seen := map[string]bool{}
	for i := range words {
		words[i].Normalize()
		if err := words[i].Validate(); err != nil {
			var ae *aftersales.Error
			if errors.As(err, &ae) {
				for _, f := range ae.Fields {
					v.Check(false, "words["+strconv.Itoa(i)+"]."+f.Field, f.Reason)
				}
			}
			continue
		}
		if seen[words[i].Word] {
			v.Check(false, "words["+strconv.Itoa(i)+"].word", "repeats an earlier word")
		}
		seen[words[i].Word] = true
	}
	if len(words) == 0 {
		v.Check(false, "words", "there are no words")
	}
	if err := v.Err(); err != nil {
		return 0, err
	}
	err := db.inTx(ctx, func(tx *Tx) error {
		for _, w := range words {
			_, err := tx.ExecContext(ctx, `INSERT INTO text_dictionary (word, kind, freq, note, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $5)
				ON CONFLICT (word) DO UPDATE SET kind = excluded.kind, freq = excluded.freq, note = excluded.note,
					updated_at = excluded.updated_at, version = text_dictionary.version + 1`,
				w.Word, w.Kind, w.Freq, w.Note, ms(tx.now))
			if err != nil {
				return mapErr(fmt.Errorf("sqlstore: import dictionary word %q: %w", w.Word, err))
			}
		}
		return tx.audit(ctx, "dictionary.import", "dictionary", 0, map[string]int{"words": len(words)})
	})
	if err != nil {
		return 0, err
	}
	return len(words), nil
}

// DictionaryStamp returns the configuration stamp, which the dictionary's
// triggers change.
func (db *DB) DictionaryStamp(ctx context.Context) (int64, error) {
	var stamp int64
	if err := db.r.QueryRowContext(ctx, `SELECT stamp FROM config_stamp WHERE id = 1`).Scan(&stamp); err != nil {
		return 0, fmt.Errorf("sqlstore: config stamp: %w", err)
	}
	return stamp, nil
}

func scanTopic(r interface{ Scan(...any) error }) (*aftersales.TopicRecord, error) {
	var t aftersales.TopicRecord
	var terms string
	var f, l int64
	if err := r.Scan(&t.ID, &t.Name, &terms, &f, &l); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, aftersales.Errorf(aftersales.ENOTFOUND, "Topic not found.")
		}
		return nil, fmt.Errorf("sqlstore: scan topic: %w", err)
	}
	if err := json.Unmarshal([]byte(terms), &t.Terms); err != nil {
		return nil, fmt.Errorf("sqlstore: topic %d terms: %w", t.ID, err)
	}
	t.FirstSeen, t.LastSeen = fromMS(f), fromMS(l)
	return &t, nil
}

// StoredTopics lists every stored topic.
func (db *DB) StoredTopics(ctx context.Context) ([]*aftersales.TopicRecord, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermMetricsRead); err != nil {
		return nil, err
	}
	rows, err := db.r.QueryContext(ctx, `SELECT id, name, terms, first_seen, last_seen FROM text_topics ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list topics: %w", err)
	}
	return collect(rows, scanTopic)
}

// TopicRecord returns one stored topic.
func (db *DB) TopicRecord(ctx context.Context, id int64) (*aftersales.TopicRecord, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermMetricsRead); err != nil {
		return nil, err
	}
	return scanTopic(db.r.QueryRowContext(ctx, `SELECT id, name, terms, first_seen, last_seen FROM text_topics WHERE id = $1`, id))
}

// SaveTopicRun stores a run: new topics are inserted (their IDs filled
// in), matched ones get the run's terms and last_seen, and each ticket of
// the run moves to its topic. Tickets outside the run keep theirs.
func (db *DB) SaveTopicRun(ctx context.Context, run []aftersales.TopicAssignment) error {
	if _, err := aftersales.Require(ctx, aftersales.PermMetricsRead); err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *Tx) error {
		for _, a := range run {
			t := a.Topic
			if t.ID == 0 {
				if err := tx.QueryRowContext(ctx, `INSERT INTO text_topics (name, terms, first_seen, last_seen) VALUES ($1, $2, $3, $4) RETURNING id`,
					t.Name, mustJSON(t.Terms), ms(t.FirstSeen), ms(t.LastSeen)).Scan(&t.ID); err != nil {
					return mapErr(fmt.Errorf("sqlstore: insert topic: %w", err))
				}
			} else if _, err := tx.ExecContext(ctx, `UPDATE text_topics SET terms = $1, last_seen = $2 WHERE id = $3`,
				mustJSON(t.Terms), ms(t.LastSeen), t.ID); err != nil {
				return fmt.Errorf("sqlstore: update topic %d: %w", t.ID, err)
			}
			for _, id := range a.Tickets {
				if _, err := tx.ExecContext(ctx, `INSERT INTO text_topic_tickets (ticket_id, topic_id) VALUES ($1, $2)
					ON CONFLICT (ticket_id) DO UPDATE SET topic_id = excluded.topic_id`, id, t.ID); err != nil {
					return mapErr(fmt.Errorf("sqlstore: assign ticket %d to topic %d: %w", id, t.ID, err))
				}
			}
		}
		return nil
	})
}
