package app

import (
	"time"

	"aftersales/internal/sqlstore"
	"aftersales/internal/topics"
)

// newTopics wires the complaint topics and the domain dictionary over the
// database.
func newTopics(db *sqlstore.DB, zone *time.Location, now func() time.Time) *topics.Service {
	return topics.New(db, db.Text, zone, now)
}
