package console

import (
	"net/http"
)

// answerPosition answers "update my position" through htmx like the
// visits' steps: the form again with what happened (a refusal too: htmx
// swaps only a successful answer), and, once the position is kept, the
// day's totals and every visit's planned times out of band, the rest of
// today being planned from there.
func (c *Console) answerPosition(w http.ResponseWriter, r *http.Request, err error) {
	p := c.page(r, "my_day", "day.title")
	v, lerr := c.loadMyDay(r, -1) // the plans only: no card is drawn
	if lerr != nil {
		c.fail(w, r, "", p, lerr)
		return
	}
	p.Data = v
	card := &dayCard{Page: p, Day: v, Note: p.T("day.position_kept")}
	if err != nil {
		card.Note, card.Err = "", c.stepMessage(p, err)
	}
	w.Header().Set("Vary", "HX-Request")
	c.renderBlock(w, r, "my_day", "day-position-answer", card, 0)
}
