package console

import (
	"context"
	"fmt"
	"net/http"

	"aftersales"
)

// sentimentModelsView is the text models page's sentiment section: the
// versions newest first and whether a training waits.
type sentimentModelsView struct {
	Shown     bool
	Requested bool
	Models    []*aftersales.SentimentModel
}

func (c *Console) loadSentimentModels(ctx context.Context, v *sentimentModelsView) error {
	if c.S.Sentiment == nil {
		return nil
	}
	var err error
	if v.Models, err = c.S.Sentiment.ListSentimentModels(ctx); err != nil {
		return err
	}
	v.Requested, err = c.S.Sentiment.SentimentTrainingRequested(ctx)
	v.Shown = true
	return err
}

func (c *Console) trainSentimentModel(w http.ResponseWriter, r *http.Request) {
	err := c.S.Sentiment.RequestSentimentTraining(r.Context())
	c.done(w, r, "/admin/models?ok=saved#sentiment", err, c.textModelsShow)
}

// correctSentiment records a person's label for the ticket's sentiment.
func (c *Console) correctSentiment(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		c.fail(w, r, "", c.page(r, "tickets", "ticket.title"), err)
		return
	}
	f := &form{r: r}
	if _, err := c.S.Sentiment.CorrectSentiment(r.Context(), id, f.str("label")); err != nil {
		c.renderTicket(w, r, id, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/tickets/%d?ok=saved#ticket-text", id), http.StatusSeeOther)
}
