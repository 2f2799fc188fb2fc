package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sync"

	"aftersales"
	"aftersales/internal/textan"
)

// Trained sentiment (issue #21, migration 0045). The models are versioned
// like the classifiers (textclass.go) and follow the same rule: a candidate
// replaces the active model unless its held-out macro-F1 is lower. The text
// analysis job asks for the active model on every pass (ActiveSentiment),
// so a new one reaches the stored scores without a restart, and the first
// pass that sees a new version queues every analysed ticket again
// (RequeueSentiment): re-scoring happens in the background, never inside
// the request that trained the model.

// sentimentCache keeps the active model decoded; a stored model never
// changes, so the id says whether the cached one is still it.
type sentimentCache struct {
	mu sync.Mutex
	m  *textan.SentimentModel
}

// ActiveSentiment returns the active sentiment model, or nil while none is.
func (db *DB) ActiveSentiment(ctx context.Context) (*textan.SentimentModel, error) {
	var id, version int64
	err := db.r.QueryRowContext(ctx, `SELECT id, version FROM sentiment_models WHERE status = 'active'`).Scan(&id, &version)
	if err == sql.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: active sentiment model: %w", err)
	}
	db.sentc.mu.Lock()
	c := db.sentc.m
	db.sentc.mu.Unlock()
	if c != nil && c.ID == id {
		return c, nil
	}
	var blob []byte
	if err := db.r.QueryRowContext(ctx, `SELECT model FROM sentiment_models WHERE id = $1`, id).Scan(&blob); err != nil {
		return nil, fmt.Errorf("sqlstore: sentiment model %d: %w", id, err)
	}
	m := &textan.Model{}
	if err := m.UnmarshalBinary(blob); err != nil {
		return nil, fmt.Errorf("sqlstore: sentiment model %d: %w", id, err)
	}
	sm := &textan.SentimentModel{ID: id, Version: version, Model: m}
	db.sentc.mu.Lock()
	db.sentc.m = sm
	db.sentc.mu.Unlock()
	return sm, nil
}

// RequeueSentiment queues every analysed ticket for analysis again, once
// per model version (0: the lexicon alone), and reports how many it queued.
// The analysis job calls it with the version it scores with; a ticket
// already queued stays queued once.
func (db *DB) RequeueSentiment(ctx context.Context, version int64) (int64, error) {
	var done int64
	if err := db.r.QueryRowContext(ctx, `SELECT requeued_for FROM sentiment_state WHERE id = 1`).Scan(&done); err != nil {
		return 0, fmt.Errorf("sqlstore: sentiment state: %w", err)
	}
	if done == version {
		return 0, nil
	}
	var n int64
	err := db.inTx(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE sentiment_state SET requeued_for = $1 WHERE id = 1 AND requeued_for <> $1`, version)
		if err != nil {
			return fmt.Errorf("sqlstore: sentiment state: %w", err)
		}
		if k, _ := res.RowsAffected(); k == 0 {
			return nil // another instance did it
		}
		res, err = tx.ExecContext(ctx, `INSERT INTO text_pending (ticket_id) SELECT ticket_id FROM ticket_text WHERE model_version <> $1
			ON CONFLICT (ticket_id) DO NOTHING`, version)
		if err != nil {
			return fmt.Errorf("sqlstore: re-queue texts: %w", err)
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return n, err
}

// CorrectSentiment records a person's label for a ticket's sentiment. It
// replaces the stored score at once (the negative share follows) and at
// every later analysis of the ticket, and it is a label for the next
// training.
func (db *DB) CorrectSentiment(ctx context.Context, ticketID int64, label string) (*aftersales.SentimentCorrection, error) {
	if _, err := db.seeTicket(ctx, ticketID); err != nil {
		return nil, err
	}
	u, err := aftersales.Require(ctx, aftersales.PermTicketWrite)
	if err != nil {
		return nil, err
	}
	if err := aftersales.CheckSentimentLabel(label); err != nil {
		return nil, err
	}
	c := &aftersales.SentimentCorrection{TicketID: ticketID, Label: label, CorrectedBy: &u.ID}
	err = db.inTx(ctx, func(tx *Tx) error {
		c.CorrectedAt = fromMS(ms(tx.now))
		if _, err := tx.ExecContext(ctx, `INSERT INTO sentiment_corrections (ticket_id, label, corrected_by, corrected_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (ticket_id) DO UPDATE SET label = excluded.label, corrected_by = excluded.corrected_by, corrected_at = excluded.corrected_at`,
			ticketID, label, u.ID, ms(tx.now)); err != nil {
			return fmt.Errorf("sqlstore: correct sentiment: %w", err)
		}
		if err := applyCorrections(ctx, tx, []int64{ticketID}); err != nil {
			return err
		}
		return tx.audit(ctx, "correct_sentiment", "ticket", ticketID, map[string]string{"label": label})
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// applyCorrections makes the stored sentiment of the corrected ones among
// ids the person's label: ±1, scored by "agent".
func applyCorrections(ctx context.Context, tx *Tx, ids []int64) error {
	for chunk := range slices.Chunk(ids, 500) {
		if _, err := tx.ExecContext(ctx, `UPDATE ticket_text SET method = 'agent',
			polarity = (SELECT CASE c.label WHEN 'negative' THEN -1 ELSE 1 END FROM sentiment_corrections c WHERE c.ticket_id = ticket_text.ticket_id),
			sentiment = (SELECT CASE c.label WHEN 'negative' THEN -1 ELSE 1 END FROM sentiment_corrections c WHERE c.ticket_id = ticket_text.ticket_id)
			WHERE ticket_id IN (`+idList(chunk)+`) AND ticket_id IN (SELECT ticket_id FROM sentiment_corrections)`); err != nil {
			return fmt.Errorf("sqlstore: apply sentiment corrections: %w", err)
		}
	}
	return nil
}

// sentimentCorrection returns a ticket's correction, or nil.
func (db *DB) sentimentCorrection(ctx context.Context, ticketID int64) (*aftersales.SentimentCorrection, error) {
	c := aftersales.SentimentCorrection{TicketID: ticketID}
	var by sql.NullInt64
	var at int64
	err := db.r.QueryRowContext(ctx, `SELECT label, corrected_by, corrected_at FROM sentiment_corrections WHERE ticket_id = $1`, ticketID).
		Scan(&c.Label, &by, &at)
	if err == sql.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: sentiment correction: %w", err)
	}
	c.CorrectedBy, c.CorrectedAt = int64Ptr(by), fromMS(at)
	return &c, nil
}

// sentimentLabelled reads the company's own sentiment labels, newest
// first: survey comments with a CSAT score (1-2 negative, 4-5 positive; 3
// says neither) and the customer text of tickets a person corrected.
func sentimentLabelled(ctx context.Context, q queryer) (texts, labels []string, err error) {
	rows, err := q.QueryContext(ctx, `SELECT comment, csat FROM survey_responses
		WHERE csat IS NOT NULL AND csat <> 3 AND TRIM(comment) <> '' ORDER BY at DESC, ticket_id DESC LIMIT $1`, trainingLimit)
	if err != nil {
		return nil, nil, fmt.Errorf("sqlstore: survey comments: %w", err)
	}
	for rows.Next() {
		var c string
		var csat int
		if err := rows.Scan(&c, &csat); err != nil {
			rows.Close()
			return nil, nil, err
		}
		l := aftersales.SentimentPositive
		if csat <= 2 {
			l = aftersales.SentimentNegative
		}
		texts, labels = append(texts, c), append(labels, l)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	rows, err = q.QueryContext(ctx, `SELECT t.id, t.title, t.description, c.label FROM sentiment_corrections c JOIN tickets t ON t.id = c.ticket_id
		ORDER BY c.corrected_at DESC, c.ticket_id DESC LIMIT $1`, trainingLimit)
	if err != nil {
		return nil, nil, fmt.Errorf("sqlstore: sentiment corrections: %w", err)
	}
	var srcs []aftersales.TextSource
	var corrected []string
	idx := map[int64]int{}
	for rows.Next() {
		var s aftersales.TextSource
		var l string
		if err := rows.Scan(&s.TicketID, &s.Title, &s.Description, &l); err != nil {
			rows.Close()
			return nil, nil, err
		}
		idx[s.TicketID] = len(srcs)
		srcs, corrected = append(srcs, s), append(corrected, l)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	ids := make([]int64, len(srcs))
	for i, s := range srcs {
		ids[i] = s.TicketID
	}
	for chunk := range slices.Chunk(ids, 500) {
		rows, err := q.QueryContext(ctx, `SELECT ticket_id, body FROM ticket_events WHERE kind = 'customer_message'
			AND ticket_id IN (`+idList(chunk)+`) ORDER BY id`)
		if err != nil {
			return nil, nil, fmt.Errorf("sqlstore: corrected messages: %w", err)
		}
		for rows.Next() {
			var m aftersales.TextMessage
			var tid int64
			if err := rows.Scan(&tid, &m.Body); err != nil {
				rows.Close()
				return nil, nil, err
			}
			srcs[idx[tid]].Messages = append(srcs[idx[tid]].Messages, m)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, nil, err
		}
	}
	for i, s := range srcs {
		texts, labels = append(texts, textan.CustomerText(s)), append(labels, corrected[i])
	}
	return texts, labels, nil
}

// TrainSentimentModel trains a new version on the company's own labels.
func (db *DB) TrainSentimentModel(ctx context.Context) (*aftersales.SentimentModel, error) {
	u, err := aftersales.Require(ctx, aftersales.PermSettingsWrite)
	if err != nil {
		return nil, err
	}
	return db.trainSentimentHistory(ctx, &u.ID)
}

func (db *DB) trainSentimentHistory(ctx context.Context, by *int64) (*aftersales.SentimentModel, error) {
	texts, labels, err := sentimentLabelled(ctx, db.r)
	if err != nil {
		return nil, err
	}
	return db.trainSentiment(ctx, texts, labels, 5, aftersales.SentimentFromHistory, by)
}

// TrainSentimentFile trains a new version on a labelled file's texts, each
// labelled negative or positive (textan.SentimentLabel): a company starts
// from a public corpus before it has labels of its own.
func (db *DB) TrainSentimentFile(ctx context.Context, texts, labels []string, folds int) (*aftersales.SentimentModel, error) {
	u, err := aftersales.Require(ctx, aftersales.PermSettingsWrite)
	if err != nil {
		return nil, err
	}
	var v aftersales.Validator
	v.Check(len(texts) == len(labels), "labels", "must be as many as the texts")
	v.Check(folds >= 2, "folds", "must be at least 2")
	for i, l := range labels {
		if l != aftersales.SentimentNegative && l != aftersales.SentimentPositive {
			v.Add("labels", fmt.Sprintf("label %d is %q, not negative or positive", i+1, l))
			break
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return db.trainSentiment(ctx, texts, labels, folds, aftersales.SentimentFromFile, &u.ID)
}

// trainSentiment cross-validates a candidate, trains it on every text, and
// stores it as the next version: active unless its macro-F1 is below the
// active model's (the classifiers' rule) or the score it would store is
// less accurate than the lexicon's on the same held-out texts; otherwise
// refused (kept as a record without weights).
func (db *DB) trainSentiment(ctx context.Context, texts, labels []string, folds int, source string, by *int64) (*aftersales.SentimentModel, error) {
	cfg := textan.DefaultTrainConfig()
	sm := aftersales.SentimentModel{Source: source, Docs: len(texts), Folds: folds, Status: aftersales.ModelRefused, TrainedBy: by,
		PerClass: []aftersales.ClassScore{}, Confusion: [][]int{}}
	classes := slices.Compact(slices.Sorted(slices.Values(labels)))
	var blob []byte
	switch {
	case len(texts) < max(aftersales.MinTrainingTexts, folds):
		sm.Reason = aftersales.RefusedTooFew
	case len(classes) < 2:
		sm.Reason = aftersales.RefusedOneOnly
	default:
		seg, stop := db.textReader()
		e, err := textan.EvaluateSentiment(seg, stop, textan.DefaultLexicon(), texts, labels, folds, cfg)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: cross-validate sentiment: %w", err)
		}
		sm.Accuracy, sm.MacroF1, sm.Confusion = e.Metrics.Accuracy, e.Metrics.MacroF1, e.Metrics.Confusion
		sm.LexiconAccuracy, sm.CombinedAccuracy = e.Lexicon, e.Combined
		for _, c := range e.Metrics.Classes {
			pc := e.Metrics.PerClass[c]
			sm.PerClass = append(sm.PerClass, aftersales.ClassScore{Class: c, Precision: pc.Precision, Recall: pc.Recall, F1: pc.F1, Support: pc.Support})
		}
		model, err := textan.Train(seg, stop, texts, labels, cfg)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: train sentiment: %w", err)
		}
		if blob, err = model.MarshalBinary(); err != nil {
			return nil, err
		}
	}
	err := db.inTx(ctx, func(tx *Tx) error {
		sm.TrainedAt = fromMS(ms(tx.now))
		var active sql.NullFloat64
		err := tx.QueryRowContext(ctx, `SELECT macro_f1 FROM sentiment_models WHERE status = 'active'`).Scan(&active)
		if err != nil && err != sql.ErrNoRows {
			return fmt.Errorf("sqlstore: active sentiment model: %w", err)
		}
		if active.Valid {
			f := active.Float64
			sm.ComparedF1 = &f
		}
		if sm.Reason == "" {
			switch {
			case active.Valid && sm.MacroF1 < active.Float64:
				sm.Reason = aftersales.RefusedWorse
			case sm.CombinedAccuracy < sm.LexiconAccuracy:
				// Too few or too narrow labels: the lexicon reads the
				// held-out texts better than the model would.
				sm.Reason = aftersales.RefusedBelowLexicon
			default:
				sm.Status = aftersales.ModelActive
				if _, err := tx.ExecContext(ctx, `UPDATE sentiment_models SET status = 'retired' WHERE status = 'active'`); err != nil {
					return fmt.Errorf("sqlstore: retire sentiment model: %w", err)
				}
			}
		}
		if sm.Status != aftersales.ModelActive {
			blob = nil
		}
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) + 1 FROM sentiment_models`).Scan(&sm.Version); err != nil {
			return err
		}
		metrics := mustJSON(struct {
			PerClass  []aftersales.ClassScore `json:"per_class"`
			Confusion [][]int                 `json:"confusion"`
		}{sm.PerClass, sm.Confusion})
		err = tx.QueryRowContext(ctx, `INSERT INTO sentiment_models (version, status, source, trained_at, trained_by, docs, folds, accuracy, macro_f1,
			compared_f1, lexicon_accuracy, combined_accuracy, metrics, config, reason, model)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id`,
			sm.Version, sm.Status, sm.Source, ms(tx.now), nullInt(by), sm.Docs, sm.Folds, sm.Accuracy, sm.MacroF1, sm.ComparedF1,
			sm.LexiconAccuracy, sm.CombinedAccuracy, metrics, mustJSON(cfg), sm.Reason, blob).Scan(&sm.ID)
		if err != nil {
			return mapErr(fmt.Errorf("sqlstore: insert sentiment model: %w", err))
		}
		return tx.audit(ctx, "train", "sentiment_model", sm.ID, map[string]any{"version": sm.Version, "status": sm.Status,
			"source": sm.Source, "macro_f1": sm.MacroF1, "reason": sm.Reason})
	})
	if err != nil {
		return nil, err
	}
	return &sm, nil
}

const sentimentModelCols = `id, version, status, source, trained_at, trained_by, docs, folds, accuracy, macro_f1, compared_f1,
	lexicon_accuracy, combined_accuracy, metrics, reason`

func scanSentimentModel(row interface{ Scan(...any) error }) (*aftersales.SentimentModel, error) {
	var m aftersales.SentimentModel
	var at int64
	var by sql.NullInt64
	var cmp sql.NullFloat64
	var metrics string
	if err := row.Scan(&m.ID, &m.Version, &m.Status, &m.Source, &at, &by, &m.Docs, &m.Folds, &m.Accuracy, &m.MacroF1, &cmp,
		&m.LexiconAccuracy, &m.CombinedAccuracy, &metrics, &m.Reason); err != nil {
		return nil, err
	}
	m.TrainedAt, m.TrainedBy = fromMS(at), int64Ptr(by)
	m.ComparedF1 = floatPtr(cmp)
	var err error
	if m.PerClass, m.Confusion, err = modelMetrics(metrics); err != nil {
		return nil, fmt.Errorf("sqlstore: sentiment model metrics: %w", err)
	}
	return &m, nil
}

// ListSentimentModels lists the sentiment model's versions, newest first.
func (db *DB) ListSentimentModels(ctx context.Context) ([]*aftersales.SentimentModel, error) {
	if err := staff(ctx); err != nil {
		return nil, err
	}
	rows, err := db.r.QueryContext(ctx, `SELECT `+sentimentModelCols+` FROM sentiment_models ORDER BY version DESC`)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list sentiment models: %w", err)
	}
	return collect(rows, scanSentimentModel)
}

// RequestSentimentTraining asks the background job to train a sentiment
// model on the company's labels (the console's button).
func (db *DB) RequestSentimentTraining(ctx context.Context) error {
	u, err := aftersales.Require(ctx, aftersales.PermSettingsWrite)
	if err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO sentiment_train_requests (id, requested_at, requested_by) VALUES (1, $1, $2)
			ON CONFLICT (id) DO NOTHING`, ms(tx.now), u.ID); err != nil {
			return fmt.Errorf("sqlstore: request sentiment training: %w", err)
		}
		return tx.audit(ctx, "request_training", "sentiment_model", 0, nil)
	})
}

// SentimentTrainingRequested reports whether a training waits.
func (db *DB) SentimentTrainingRequested(ctx context.Context) (bool, error) {
	if err := staff(ctx); err != nil {
		return false, err
	}
	var n int
	err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM sentiment_train_requests`).Scan(&n)
	return n > 0, err
}

// TrainSentimentRequested trains the requested sentiment model (the
// background job) and reports whether one was.
func (db *DB) TrainSentimentRequested(ctx context.Context) (bool, error) {
	var by sql.NullInt64
	err := db.r.QueryRowContext(ctx, `SELECT requested_by FROM sentiment_train_requests WHERE id = 1`).Scan(&by)
	if err == sql.ErrNoRows {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("sqlstore: sentiment training request: %w", err)
	}
	if _, err := db.trainSentimentHistory(ctx, int64Ptr(by)); err != nil {
		return false, err
	}
	_, err = db.w.ExecContext(ctx, `DELETE FROM sentiment_train_requests WHERE id = 1`)
	return true, err
}
