package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"aftersales"
	"aftersales/internal/textan"
)

// textClassCache keeps decoded models by id: a model is immutable once
// stored, so a cached one never goes stale; which one is active comes from
// the configuration snapshot, which follows config_stamp (migration 0035
// changes the stamp when a model is activated), so every instance switches
// at its next ticket write.
type textClassCache struct {
	once sync.Once
	seg  *textan.Segmenter
	stop *textan.Stopwords
	mu   sync.Mutex
	// models holds each field's last used model: a replaced model is
	// dropped at the field's next suggestion (a model of many classes
	// takes tens of MB).
	models map[string]cachedModel
}

type cachedModel struct {
	id int64
	m  *textan.Model
}

// textConfig is the part of the configuration snapshot that suggestions
// read: the active model of each field and the thresholds.
type textConfig struct {
	active     map[string]activeModel
	thresholds map[string]float64
}

type activeModel struct{ id, version int64 }

func loadTextConfig(ctx context.Context, q queryer) (textConfig, error) {
	c := textConfig{active: map[string]activeModel{}, thresholds: map[string]float64{}}
	rows, err := q.QueryContext(ctx, `SELECT field, id, version FROM text_models WHERE status = 'active'`)
	if err != nil {
		return c, fmt.Errorf("sqlstore: active text models: %w", err)
	}
	for rows.Next() {
		var f string
		var m activeModel
		if err := rows.Scan(&f, &m.id, &m.version); err != nil {
			rows.Close()
			return c, err
		}
		c.active[f] = m
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return c, err
	}
	rows, err = q.QueryContext(ctx, `SELECT field, threshold FROM text_class_settings`)
	if err != nil {
		return c, fmt.Errorf("sqlstore: suggestion thresholds: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var f string
		var t float64
		if err := rows.Scan(&f, &t); err != nil {
			return c, err
		}
		c.thresholds[f] = t
	}
	return c, rows.Err()
}

func (db *DB) textReader() (*textan.Segmenter, *textan.Stopwords) {
	db.textc.once.Do(func() {
		db.textc.seg = db.Text // made by Open, shared by every text feature
		db.textc.stop = textan.DefaultStopwords()
	})
	return db.textc.seg, db.textc.stop
}

// textModel returns field's decoded model id, reading it once.
func (db *DB) textModel(ctx context.Context, field string, id int64) (*textan.Model, error) {
	db.textc.mu.Lock()
	c, ok := db.textc.models[field]
	db.textc.mu.Unlock()
	if ok && c.id == id {
		return c.m, nil
	}
	var blob []byte
	if err := db.r.QueryRowContext(ctx, `SELECT model FROM text_models WHERE id = $1`, id).Scan(&blob); err != nil {
		return nil, fmt.Errorf("sqlstore: text model %d: %w", id, err)
	}
	m := &textan.Model{}
	if err := m.UnmarshalBinary(blob); err != nil {
		return nil, fmt.Errorf("sqlstore: text model %d: %w", id, err)
	}
	db.textc.mu.Lock()
	if db.textc.models == nil {
		db.textc.models = map[string]cachedModel{}
	}
	db.textc.models[field] = cachedModel{id: id, m: m}
	db.textc.mu.Unlock()
	return m, nil
}

// suggestion is one field's prediction for a ticket being created.
type suggestion struct {
	field, value string
	confidence   float64
	model        activeModel
	applied      bool
}

// suggest predicts each field that has an active model from a new
// ticket's title and description. A field the creator left empty takes
// the prediction when its confidence reaches the field's threshold; any
// other prediction that differs from the creator's value waits for a
// person. It runs before the write transaction: the writer is not held
// while texts are scored.
func (db *DB) suggest(ctx context.Context, in *aftersales.TicketInput) ([]suggestion, error) {
	cfg, err := db.config(ctx, db.r)
	if err != nil {
		return nil, err
	}
	return db.suggestWith(ctx, cfg, in)
}

// suggestWith is suggest with the text models of cfg.
func (db *DB) suggestWith(ctx context.Context, cfg *configSnap, in *aftersales.TicketInput) ([]suggestion, error) {
	if len(cfg.text.active) == 0 {
		return nil, nil
	}
	text := deref(in.Title) + "\n" + deref(in.Description)
	seg, stop := db.textReader()
	var out []suggestion
	for _, field := range aftersales.SuggestFields {
		am, ok := cfg.text.active[field]
		if !ok {
			continue
		}
		m, err := db.textModel(ctx, field, am.id)
		if err != nil {
			return nil, err
		}
		p, err := textan.Classifier{Model: m, Seg: seg, Stop: stop}.Predict(text)
		if err != nil {
			continue // a text the features cannot read gets no suggestion
		}
		s := suggestion{field: field, value: p.Label, confidence: min(max(p.Confidence, 0), 1), model: am}
		confident := p.Confidence >= cfg.text.thresholds[field]
		switch field {
		case aftersales.SuggestNature:
			v := aftersales.Nature(p.Label)
			if in.Nature == nil && confident && v.Valid() {
				in.Nature, s.applied = &v, true
			} else if in.Nature != nil && *in.Nature == v {
				continue
			}
		case aftersales.SuggestUrgency:
			v := aftersales.Urgency(p.Label)
			if in.Urgency == nil && confident && v.Valid() {
				in.Urgency, s.applied = &v, true
			} else if in.Urgency != nil && *in.Urgency == v {
				continue
			}
		case aftersales.SuggestCategory:
			id, err := strconv.ParseInt(p.Label, 10, 64)
			if err != nil {
				continue
			}
			// A category removed since training is never applied.
			_, exists := cfg.sla.catPath[id]
			if in.CategoryID == nil && confident && exists {
				in.CategoryID, s.applied = &id, true
			} else if in.CategoryID != nil && *in.CategoryID == id {
				continue
			}
		}
		out = append(out, s)
	}
	return out, nil
}

func predicted(ss []suggestion) map[string]aftersales.Predicted {
	if len(ss) == 0 {
		return nil
	}
	m := map[string]aftersales.Predicted{}
	for _, s := range ss {
		m[s.field] = aftersales.Predicted{Value: s.value, Confidence: s.confidence}
	}
	return m
}

// suggestionRows are the ticket_suggestions rows of a new ticket's
// suggestions: ticket_id, field, value, confidence, model_id, status,
// created_at.
func suggestionRows(ss []suggestion, ticketID, now int64) [][]any {
	rows := make([][]any, 0, len(ss))
	for _, s := range ss {
		status := aftersales.SuggestionPending
		if s.applied {
			status = aftersales.SuggestionApplied
		}
		rows = append(rows, []any{ticketID, s.field, s.value, s.confidence, s.model.id, status, now})
	}
	return rows
}

// suggestionEvents are the timeline events of a new ticket's applied
// suggestions, in order (their ticket id is set by the caller).
func suggestionEvents(ss []suggestion) []*aftersales.TicketEvent {
	var events []*aftersales.TicketEvent
	for _, s := range ss {
		if s.applied {
			events = append(events, &aftersales.TicketEvent{Kind: aftersales.EventFieldChanged, Field: s.field,
				To: s.value, Body: fmt.Sprintf("%sv%d %.2f", aftersales.ClassifiedPrefix, s.model.version, s.confidence)})
		}
	}
	return events
}

// saveSuggestions records a new ticket's suggestions in one statement.
func saveSuggestions(ctx context.Context, tx *Tx, ticketID int64, ss []suggestion) error {
	if len(ss) == 0 {
		return nil
	}
	var b strings.Builder
	b.WriteString(`INSERT INTO ticket_suggestions (ticket_id, field, value, confidence, model_id, status, created_at) VALUES `)
	var args []any
	for i, r := range suggestionRows(ss, ticketID, ms(tx.now)) {
		if i > 0 {
			b.WriteString(", ")
		}
		n := len(args)
		fmt.Fprintf(&b, "($%d, $%d, $%d, $%d, $%d, $%d, $%d)", n+1, n+2, n+3, n+4, n+5, n+6, n+7)
		args = append(args, r...)
	}
	if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
		return mapErr(fmt.Errorf("sqlstore: insert suggestions: %w", err))
	}
	return nil
}

// noteCorrections records what a person's change of a suggested field
// says about its suggestion: the same value accepts a pending one, another
// value corrects it.
func noteCorrections(ctx context.Context, tx *Tx, ticketID, userID int64, changes []change) error {
	for _, c := range changes {
		if !slices.Contains(aftersales.SuggestFields, c.field) {
			continue
		}
		if _, err := tx.ExecContext(ctx, `UPDATE ticket_suggestions
			SET status = CASE WHEN value = $1 THEN 'accepted' ELSE 'corrected' END,
				final_value = CASE WHEN value = $1 THEN '' ELSE $1 END, decided_by = $2, decided_at = $3
			WHERE ticket_id = $4 AND field = $5 AND status IN ('applied', 'pending', 'accepted', 'corrected', 'rejected')`,
			c.to, userID, ms(tx.now), ticketID, c.field); err != nil {
			return fmt.Errorf("sqlstore: note correction: %w", err)
		}
	}
	return nil
}

const suggestionCols = `s.id, s.ticket_id, s.field, s.value, s.confidence, s.model_id, m.version, s.status, s.final_value,
	s.decided_by, s.decided_at, s.created_at`

func scanSuggestion(row interface{ Scan(...any) error }) (*aftersales.Suggestion, error) {
	var s aftersales.Suggestion
	var by, at sql.NullInt64
	var created int64
	if err := row.Scan(&s.ID, &s.TicketID, &s.Field, &s.Value, &s.Confidence, &s.ModelID, &s.ModelVersion, &s.Status,
		&s.FinalValue, &by, &at, &created); err != nil {
		return nil, err
	}
	s.DecidedBy = int64Ptr(by)
	if at.Valid {
		t := fromMS(at.Int64)
		s.DecidedAt = &t
	}
	s.CreatedAt = fromMS(created)
	return &s, nil
}

// ListSuggestions lists a ticket's suggestions in field order.
func (db *DB) ListSuggestions(ctx context.Context, ticketID int64) ([]*aftersales.Suggestion, error) {
	if _, err := db.seeTicket(ctx, ticketID); err != nil {
		return nil, err
	}
	rows, err := db.r.QueryContext(ctx, `SELECT `+suggestionCols+` FROM ticket_suggestions s JOIN text_models m ON m.id = s.model_id
		WHERE s.ticket_id = $1 ORDER BY s.field`, ticketID)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list suggestions: %w", err)
	}
	return collect(rows, scanSuggestion)
}

// DecideSuggestion accepts or rejects a ticket's suggestion for field.
// Accepting a pending suggestion sets the field to its value (a change in
// the timeline like any other); rejecting one leaves the ticket as it is,
// and a rejected applied value no longer counts as a label for training.
func (db *DB) DecideSuggestion(ctx context.Context, ticketID int64, field string, accept bool) (*aftersales.Suggestion, error) {
	if _, err := db.seeTicket(ctx, ticketID); err != nil {
		return nil, err
	}
	u, err := aftersales.Require(ctx, aftersales.PermTicketWrite)
	if err != nil {
		return nil, err
	}
	if err := aftersales.CheckSuggestField(field); err != nil {
		return nil, err
	}
	err = db.inTx(ctx, func(tx *Tx) error {
		s, err := scanSuggestion(tx.QueryRowContext(ctx, `SELECT `+suggestionCols+` FROM ticket_suggestions s
			JOIN text_models m ON m.id = s.model_id WHERE s.ticket_id = $1 AND s.field = $2`, ticketID, field))
		if err == sql.ErrNoRows {
			return aftersales.Errorf(aftersales.ENOTFOUND, "Ticket %d has no suggestion for %s.", ticketID, field)
		}
		if err != nil {
			return fmt.Errorf("sqlstore: find suggestion: %w", err)
		}
		if s.Status != aftersales.SuggestionApplied && s.Status != aftersales.SuggestionPending {
			return aftersales.Errorf(aftersales.ECONFLICT, "The suggestion for %s was already %s.", field, s.Status)
		}
		if accept && s.Status == aftersales.SuggestionPending {
			var in aftersales.TicketInput
			switch field {
			case aftersales.SuggestNature:
				v := aftersales.Nature(s.Value)
				in.Nature = &v
			case aftersales.SuggestUrgency:
				v := aftersales.Urgency(s.Value)
				in.Urgency = &v
			case aftersales.SuggestCategory:
				id, err := strconv.ParseInt(s.Value, 10, 64)
				if err != nil {
					return fmt.Errorf("sqlstore: suggested category %q: %w", s.Value, err)
				}
				in.CategoryID = &id
			}
			if err := in.Validate(false, tx.now); err != nil {
				return err
			}
			// The change of the field marks the suggestion accepted (noteCorrections).
			if err := db.updateTx(ctx, tx, u, ticketID, 0, in); err != nil {
				return err
			}
		}
		status := aftersales.SuggestionRejected
		if accept {
			status = aftersales.SuggestionAccepted
		}
		_, err = tx.ExecContext(ctx, `UPDATE ticket_suggestions SET status = $1, final_value = '', decided_by = $2, decided_at = $3
			WHERE id = $4`, status, u.ID, ms(tx.now), s.ID)
		if err != nil {
			return fmt.Errorf("sqlstore: decide suggestion: %w", err)
		}
		detail := map[string]string{"field": field, "value": s.Value}
		if accept {
			return tx.audit(ctx, "suggestion_accept", "ticket", ticketID, detail)
		}
		return tx.audit(ctx, "suggestion_reject", "ticket", ticketID, detail)
	})
	if err != nil {
		return nil, err
	}
	return scanSuggestion(db.w.QueryRowContext(ctx, `SELECT `+suggestionCols+` FROM ticket_suggestions s
		JOIN text_models m ON m.id = s.model_id WHERE s.ticket_id = $1 AND s.field = $2`, ticketID, field))
}

// SuggestThresholds returns the confidence each field's suggestion needs
// to be applied at creation.
func (db *DB) SuggestThresholds(ctx context.Context) (map[string]float64, error) {
	if err := staff(ctx); err != nil {
		return nil, err
	}
	c, err := loadTextConfig(ctx, db.r)
	return c.thresholds, err
}

// SetSuggestThreshold changes a field's threshold; above 1 never applies.
func (db *DB) SetSuggestThreshold(ctx context.Context, field string, threshold float64) error {
	if _, err := aftersales.Require(ctx, aftersales.PermSettingsWrite); err != nil {
		return err
	}
	var v aftersales.Validator
	v.Check(slices.Contains(aftersales.SuggestFields, field), "field", "must be one of nature, category_id, urgency")
	v.Check(threshold >= 0 && threshold <= 1.01, "threshold", "must be between 0 and 1.01 (above 1: never applied)")
	if err := v.Err(); err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE text_class_settings SET threshold = $1 WHERE field = $2`, threshold, field); err != nil {
			return fmt.Errorf("sqlstore: set threshold: %w", err)
		}
		return tx.audit(ctx, "update", "suggest_threshold", 0, map[string]any{"field": field, "threshold": threshold})
	})
}

// trainingLimit bounds the labelled tickets one training reads (the
// newest), so a retraining takes bounded time.
const trainingLimit = 20000

// labelled reads the tickets whose field was set by a person: a value a
// model applied counts only once a person accepted it or chose it again.
func labelled(ctx context.Context, q queryer, field string) (texts, labels []string, err error) {
	col := map[string]string{aftersales.SuggestNature: "t.nature", aftersales.SuggestUrgency: "t.urgency",
		aftersales.SuggestCategory: "t.category_id"}[field]
	rows, err := q.QueryContext(ctx, `SELECT t.title, t.description, `+col+` FROM tickets t
		LEFT JOIN ticket_suggestions s ON s.ticket_id = t.id AND s.field = $1
		WHERE `+col+` IS NOT NULL AND (s.id IS NULL OR s.status NOT IN ('applied', 'rejected') OR s.value <> CAST(`+col+` AS TEXT))
		ORDER BY t.id DESC LIMIT $2`, field, trainingLimit)
	if err != nil {
		return nil, nil, fmt.Errorf("sqlstore: labelled tickets: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var title, desc string
		var label any
		if err := rows.Scan(&title, &desc, &label); err != nil {
			return nil, nil, err
		}
		texts = append(texts, title+"\n"+desc)
		labels = append(labels, fmt.Sprint(label))
	}
	return texts, labels, rows.Err()
}

// TrainTextModel trains a new version of field's model on the labelled
// tickets, scores it by stratified 5-fold cross-validation, and activates
// it unless its macro-F1 is below the active model's (the same folds:
// the same seed and the same assignment rule over the labelled tickets).
// A refused candidate is recorded with its reason.
func (db *DB) TrainTextModel(ctx context.Context, field string) (*aftersales.TextModel, error) {
	u, err := aftersales.Require(ctx, aftersales.PermSettingsWrite)
	if err != nil {
		return nil, err
	}
	if err := aftersales.CheckSuggestField(field); err != nil {
		return nil, err
	}
	return db.trainTextModel(ctx, field, &u.ID)
}

// RequestTraining asks the background job to train field's model (the
// console's button); asking again before it ran changes nothing.
func (db *DB) RequestTraining(ctx context.Context, field string) error {
	u, err := aftersales.Require(ctx, aftersales.PermSettingsWrite)
	if err != nil {
		return err
	}
	if err := aftersales.CheckSuggestField(field); err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO text_train_requests (field, requested_at, requested_by) VALUES ($1, $2, $3)
			ON CONFLICT (field) DO NOTHING`, field, ms(tx.now), u.ID); err != nil {
			return fmt.Errorf("sqlstore: request training: %w", err)
		}
		return tx.audit(ctx, "request_training", "text_model", 0, map[string]string{"field": field})
	})
}

// TrainingRequested lists the fields waiting for a training.
func (db *DB) TrainingRequested(ctx context.Context) ([]string, error) {
	if err := staff(ctx); err != nil {
		return nil, err
	}
	rows, err := db.r.QueryContext(ctx, `SELECT field FROM text_train_requests ORDER BY field`)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: training requests: %w", err)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var f string
		if err := rows.Scan(&f); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// RequestRetraining asks for a new training of every field that has an
// active model (the nightly job): corrections and new labelled tickets
// reach the models without anyone pressing the button.
func (db *DB) RequestRetraining(ctx context.Context) error {
	return db.inTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO text_train_requests (field, requested_at)
			SELECT field, $1 FROM text_models WHERE status = 'active' ON CONFLICT (field) DO NOTHING`, ms(tx.now))
		return err
	})
}

// TrainRequested trains one requested field (the background job) and
// reports whether one was.
func (db *DB) TrainRequested(ctx context.Context) (bool, error) {
	var field string
	var by sql.NullInt64
	err := db.r.QueryRowContext(ctx, `SELECT field, requested_by FROM text_train_requests ORDER BY requested_at, field LIMIT 1`).Scan(&field, &by)
	if err == sql.ErrNoRows {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("sqlstore: next training: %w", err)
	}
	if _, err := db.trainTextModel(ctx, field, int64Ptr(by)); err != nil {
		return false, err
	}
	_, err = db.w.ExecContext(ctx, `DELETE FROM text_train_requests WHERE field = $1`, field)
	return true, err
}

func (db *DB) trainTextModel(ctx context.Context, field string, by *int64) (*aftersales.TextModel, error) {
	texts, labels, err := labelled(ctx, db.r, field)
	if err != nil {
		return nil, err
	}
	cfg := textan.DefaultTrainConfig()
	const folds = 5
	tm := aftersales.TextModel{Field: field, Docs: len(texts), Folds: folds, Status: aftersales.ModelRefused, TrainedBy: by,
		PerClass: []aftersales.ClassScore{}, Confusion: [][]int{}}
	var blob []byte
	classes := slices.Clone(labels)
	slices.Sort(classes)
	classes = slices.Compact(classes)
	switch {
	case len(texts) < aftersales.MinTrainingTexts:
		tm.Reason = aftersales.RefusedTooFew
	case len(classes) < 2:
		tm.Reason = aftersales.RefusedOneOnly
	default:
		seg, stop := db.textReader()
		m, err := textan.CrossValidate(seg, stop, texts, labels, folds, cfg)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: cross-validate %s: %w", field, err)
		}
		tm.Accuracy, tm.MacroF1, tm.Confusion = m.Accuracy, m.MacroF1, m.Confusion
		for _, c := range m.Classes {
			pc := m.PerClass[c]
			tm.PerClass = append(tm.PerClass, aftersales.ClassScore{Class: c, Precision: pc.Precision, Recall: pc.Recall, F1: pc.F1, Support: pc.Support})
		}
		model, err := textan.Train(seg, stop, texts, labels, cfg)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: train %s: %w", field, err)
		}
		if blob, err = model.MarshalBinary(); err != nil {
			return nil, err
		}
	}
	err = db.inTx(ctx, func(tx *Tx) error {
		tm.TrainedAt = tx.now
		var active sql.NullFloat64
		err := tx.QueryRowContext(ctx, `SELECT macro_f1 FROM text_models WHERE field = $1 AND status = 'active'`, field).Scan(&active)
		if err != nil && err != sql.ErrNoRows {
			return fmt.Errorf("sqlstore: active model: %w", err)
		}
		if active.Valid {
			f := active.Float64
			tm.ComparedF1 = &f
		}
		if tm.Reason == "" {
			if active.Valid && tm.MacroF1 < active.Float64 {
				tm.Reason = aftersales.RefusedWorse
			} else {
				tm.Status = aftersales.ModelActive
				if _, err := tx.ExecContext(ctx, `UPDATE text_models SET status = 'retired' WHERE field = $1 AND status = 'active'`, field); err != nil {
					return fmt.Errorf("sqlstore: retire model: %w", err)
				}
			}
		}
		if tm.Status != aftersales.ModelActive {
			blob = nil // a refused model is kept as a record, not as weights
		}
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) + 1 FROM text_models WHERE field = $1`, field).Scan(&tm.Version); err != nil {
			return err
		}
		metrics := mustJSON(struct {
			PerClass  []aftersales.ClassScore `json:"per_class"`
			Confusion [][]int                 `json:"confusion"`
		}{tm.PerClass, tm.Confusion})
		err = tx.QueryRowContext(ctx, `INSERT INTO text_models (field, version, status, trained_at, trained_by, docs, folds, accuracy, macro_f1,
			compared_f1, metrics, config, reason, model) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id`,
			field, tm.Version, tm.Status, ms(tx.now), nullInt(by), tm.Docs, tm.Folds, tm.Accuracy, tm.MacroF1, tm.ComparedF1, metrics,
			mustJSON(cfg), tm.Reason, blob).Scan(&tm.ID)
		if err != nil {
			return mapErr(fmt.Errorf("sqlstore: insert text model: %w", err))
		}
		return tx.audit(ctx, "train", "text_model", tm.ID, map[string]any{"field": field, "version": tm.Version, "status": tm.Status,
			"macro_f1": tm.MacroF1, "reason": tm.Reason})
	})
	if err != nil {
		return nil, err
	}
	return &tm, nil
}

const textModelCols = `id, field, version, status, trained_at, trained_by, docs, folds, accuracy, macro_f1, compared_f1, metrics, reason`

// modelMetrics decodes a model's stored held-out scores: per class and
// the confusion matrix, empty rather than nil.
func modelMetrics(metrics string) ([]aftersales.ClassScore, [][]int, error) {
	var doc struct {
		PerClass  []aftersales.ClassScore `json:"per_class"`
		Confusion [][]int                 `json:"confusion"`
	}
	if err := json.Unmarshal([]byte(metrics), &doc); err != nil {
		return nil, nil, err
	}
	if doc.PerClass == nil {
		doc.PerClass = []aftersales.ClassScore{}
	}
	if doc.Confusion == nil {
		doc.Confusion = [][]int{}
	}
	return doc.PerClass, doc.Confusion, nil
}

func scanTextModel(row interface{ Scan(...any) error }) (*aftersales.TextModel, error) {
	var m aftersales.TextModel
	var at int64
	var by sql.NullInt64
	var cmp sql.NullFloat64
	var metrics string
	if err := row.Scan(&m.ID, &m.Field, &m.Version, &m.Status, &at, &by, &m.Docs, &m.Folds, &m.Accuracy, &m.MacroF1, &cmp,
		&metrics, &m.Reason); err != nil {
		return nil, err
	}
	m.TrainedAt, m.TrainedBy = fromMS(at), int64Ptr(by)
	m.ComparedF1 = floatPtr(cmp)
	var err error
	if m.PerClass, m.Confusion, err = modelMetrics(metrics); err != nil {
		return nil, fmt.Errorf("sqlstore: text model metrics: %w", err)
	}
	return &m, nil
}

// ListTextModels lists the versions of every field's model (or one
// field's), newest first.
func (db *DB) ListTextModels(ctx context.Context, field string) ([]*aftersales.TextModel, error) {
	if err := staff(ctx); err != nil {
		return nil, err
	}
	if field != "" {
		if err := aftersales.CheckSuggestField(field); err != nil {
			return nil, err
		}
	}
	rows, err := db.r.QueryContext(ctx, `SELECT `+textModelCols+` FROM text_models WHERE ($1 = '' OR field = $1)
		ORDER BY field, version DESC`, field)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list text models: %w", err)
	}
	return collect(rows, scanTextModel)
}

// FindTextModel returns one model version.
func (db *DB) FindTextModel(ctx context.Context, id int64) (*aftersales.TextModel, error) {
	if err := staff(ctx); err != nil {
		return nil, err
	}
	m, err := scanTextModel(db.r.QueryRowContext(ctx, `SELECT `+textModelCols+` FROM text_models WHERE id = $1`, id))
	if err != nil {
		return nil, notFound(err, "Text model", id)
	}
	return m, nil
}

// ticketPredictions reads a ticket's suggestions as routing sees them.
func ticketPredictions(ctx context.Context, q queryer, ticketID int64) (map[string]aftersales.Predicted, error) {
	rows, err := q.QueryContext(ctx, `SELECT field, value, confidence FROM ticket_suggestions WHERE ticket_id = $1`, ticketID)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: ticket suggestions: %w", err)
	}
	defer rows.Close()
	out := map[string]aftersales.Predicted{}
	for rows.Next() {
		var f string
		var p aftersales.Predicted
		if err := rows.Scan(&f, &p.Value, &p.Confidence); err != nil {
			return nil, err
		}
		out[f] = p
	}
	return out, rows.Err()
}
