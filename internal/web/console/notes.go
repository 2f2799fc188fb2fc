package console

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"aftersales"
	"aftersales/internal/analytics"
)

// The store writes a few system notes into the ticket timeline as English
// sentences (routing reasons, SLA deadlines, warnings and escalations),
// joined by "; ". noteParts recognises each known sentence and names the
// catalog key that says it in the page's language; the captured values
// (names, times, numbers) fill the key's %s in order. A sentence not
// recognised is shown as recorded.
type notePart struct {
	re  *regexp.Regexp
	key string
}

func noteParts() []notePart {
	clock := `(首次响应 first response|解决 resolution)`
	return []notePart{
		{regexp.MustCompile(`^kept the choices made by hand$`), "note.route.kept"},
		{regexp.MustCompile(`^rule (".*") matched$`), "note.route.rule"},
		{regexp.MustCompile(`^service point (.+): postcode (.+)$`), "note.route.postcode"},
		{regexp.MustCompile(`^service point (.+): city (.+)$`), "note.route.city"},
		{regexp.MustCompile(`^service point (.+): ([0-9.]+) km away, within its ([0-9.]+) km radius$`), "note.route.radius"},
		{regexp.MustCompile(`^no service point covers the customer's location$`), "note.route.no_point"},
		{regexp.MustCompile(`^no rule matched and no coverage applies$`), "note.route.none"},
		{regexp.MustCompile(`^team (.+) serves that unit$`), "note.route.team"},
		{regexp.MustCompile(`^assigned to (.+): next in turn$`), "note.route.next_in_turn"},
		{regexp.MustCompile(`^assigned to (.+): skill level ([0-9]+) for the category, load ([0-9]+)$`), "note.route.skill"},
		{regexp.MustCompile(`^assigned to (.+): least load \(([0-9]+)\)$`), "note.route.least_load"},
		{regexp.MustCompile(`^team (.+) has nobody on shift with capacity left$`), "note.route.no_capacity"},
		{regexp.MustCompile(`^left unassigned$`), "note.route.unassigned"},
		{regexp.MustCompile(`^SLA escalation$`), "note.sla.escalation"},
		{regexp.MustCompile(`^first response due (.+)$`), "note.sla.first_response_due"},
		{regexp.MustCompile(`^resolution due (.+)$`), "note.sla.resolution_due"},
		{regexp.MustCompile(`^` + clock + `: ([0-9]+)% of ([0-9]+) min used at (.+)$`), "note.sla.warning"},
		{regexp.MustCompile(`^` + clock + ` breached$`), "note.sla.breached"},
		{regexp.MustCompile(`^level ([0-9]+), ([0-9]+) min after the deadline$`), "note.sla.level"},
		{regexp.MustCompile(`^handed to team (.+)$`), "note.sla.handed"},
		{regexp.MustCompile(`^Waiting for part (\S+) \((.*)\) ×([0-9]+) at (\S+)$`), "note.parts.waiting"},
		{regexp.MustCompile(`^Part (\S+) \((.*)\) received at (\S+)$`), "note.parts.received"},
		{regexp.MustCompile(`^classified v([0-9]+) ([0-9.]+)$`), "note.classified"},
		{regexp.MustCompile(`^merged into (\S+)$`), "note.merged_into"},
		{regexp.MustCompile(`^merged into (\S+): (.*)$`), "note.merged_into_note"},
	}
}

// systemNote says a system-written note in lang.
func (c *Catalog) systemNote(lang, body string) string {
	if body == "" {
		return ""
	}
	pieces := strings.Split(body, "; ")
	for i, s := range pieces {
		for _, p := range c.notes {
			m := p.re.FindStringSubmatch(s)
			if m == nil {
				continue
			}
			args := make([]any, 0, len(m)-1)
			for _, v := range m[1:] {
				switch {
				case strings.HasPrefix(v, `"`):
					if u, err := strconv.Unquote(v); err == nil {
						v = u
					}
				case strings.HasPrefix(v, "首次响应 "):
					v = c.T(lang, "sla.first_response")
				case strings.HasPrefix(v, "解决 "):
					v = c.T(lang, "sla.resolution")
				}
				args = append(args, v)
			}
			pieces[i] = fmt.Sprintf(c.T(lang, p.key), args...)
			break
		}
	}
	sep := "; "
	if lang == "zh-CN" {
		sep = "；"
	}
	return strings.Join(pieces, sep)
}

// EventBody is what the timeline shows under an entry: the text a person
// wrote as it is, a note the system wrote in the page's language.
func (p *Page) EventBody(e *aftersales.TicketEvent) string {
	switch e.Kind {
	case "sla_changed", "sla_warning", "sla_escalation":
		return p.cat.systemNote(p.Lang, e.Body)
	case aftersales.EventAssigned, aftersales.EventFieldChanged:
		if e.ActorID == nil || e.Field == "routing" {
			return p.cat.systemNote(p.Lang, e.Body)
		}
	case aftersales.EventStatusChanged:
		// The parts ledger moves tickets to and from awaiting parts with a
		// sentence naming the part.
		// A merge cancels the duplicate with a sentence naming the kept
		// ticket (and the agent's note after it).
		if strings.HasPrefix(e.Body, "Waiting for part ") || strings.HasPrefix(e.Body, "Part ") || strings.HasPrefix(e.Body, "merged into ") {
			return p.cat.systemNote(p.Lang, e.Body)
		}
	}
	return e.Body
}

// FieldEvent says a visit's, the parts' or a cost's timeline line in the page's
// language. The store writes them as tokens: "#2 completed fixed late
// 2026-12-01 09:00-11:00", "reserved CMP-100 ×2 @ van-7"; the words it
// knows are translated, the rest (numbers, windows, codes) kept.
func (p *Page) FieldEvent(field, to string) string {
	words := strings.Fields(to)
	for i, w := range words {
		var key string
		switch {
		case field == "visit" && i > 0 && aftersales.VisitStatus(w).Valid():
			key = "visit.status." + w
		case field == "visit" && i > 0 && aftersales.VisitOutcome(w).Valid():
			key = "visit.outcome." + w
		case field == "visit" && i > 0 && (w == "late" || w == "rescheduled" || w == "reordered" || w == "late_risk" || w == "min"):
			key = "visit." + w
		case field == "parts" && (i == 0 || w == "released"):
			// "used CMP-100 ×3 @ WH1 · released ×1": a part of a
			// reservation used, the rest given back.
			key = "parts.verb." + w
		case field == "cost" && i == 0:
			// "parts 396.00 更换配件": the kind, the amount, the note.
			key = "cost.kind." + w
		}
		if key != "" {
			words[i] = p.tOr(key, w)
		}
	}
	return strings.Join(words, " ")
}

// RouteReason says one reason of a routing decision in the page's language.
func (p *Page) RouteReason(s string) string { return p.cat.systemNote(p.Lang, s) }

// verifyReasons recognises the English reason a verification writes into
// an item's timeline (analytics.Verify) and names its catalog reason
// (vreason.*). The numbers stay on the verification's own panel.
func verifyReasons() []notePart {
	return []notePart{
		{regexp.MustCompile(`^too little data to conclude: `), "vreason.too_small"},
		{regexp.MustCompile(`^(nothing to test: every value of |no variance to test against: )`), "vreason.no_variance"},
		{regexp.MustCompile(`^\S+ moved the wrong way`), "vreason.wrong_direction"},
		{regexp.MustCompile(`^the change \S+ is not statistically significant`), "vreason.not_significant"},
		{regexp.MustCompile(`^the improvement is significant \(p = .*, short of the target `), "vreason.short_of_target"},
		{regexp.MustCompile(`^\S+ went from \S+ to \S+`), "vreason.effective"},
	}
}

// EventBody is what an item's timeline shows under an entry: a
// verification's reason in the page's language, anything else as written.
func (v *itemView) EventBody(p *Page, e *aftersales.ItemEvent) string {
	if e.Kind == "verification" || e.Kind == "status" {
		return p.verifyReason(e.Body)
	}
	return e.Body
}

// verifyReason says a verification's English reason in the page's
// language; a reason not recognised is shown as written.
func (p *Page) verifyReason(body string) string {
	for _, r := range p.cat.reasons {
		if r.re.MatchString(body) {
			return p.T(r.key)
		}
	}
	return body
}

// fieldReasons recognises the domain's common English reasons for a bad
// field (aftersales.Validator) so that a form says them in the page's
// language; a reason not listed is shown as the domain wrote it.
func fieldReasons() []notePart {
	return append(append(storeFieldReasonsFirst(), []notePart{
		{regexp.MustCompile(`^is required$`), "reason.required"},
		{regexp.MustCompile(`^must be a host name or address$`), "reason.host_name"},
		{regexp.MustCompile(`^must be tls, starttls or none$`), "reason.tls_mode"},
		{regexp.MustCompile(`^must be one line of text$`), "reason.one_line"},
		{regexp.MustCompile(`^is already read by another mailbox$`), "reason.folder_taken"},
		{regexp.MustCompile(`^must be host:port, as smtp\.example\.com:587$`), "reason.host_port"},
		{regexp.MustCompile(`^does not exist$`), "reason.not_exist"},
		{regexp.MustCompile(`^must be at most ([0-9]+) mailboxes$`), "reason.max_mailboxes"},
		{regexp.MustCompile(`^is not in the parts catalog$`), "reason.unknown_part"},
		{regexp.MustCompile(`^must be a date YYYY-MM-DD$`), "reason.date"},
		{regexp.MustCompile(`^has ([0-9]+) fields, the header has ([0-9]+)$`), "reason.field_count"},
		{regexp.MustCompile(`^exceeds the ([0-9]+) available of part (\S+) at (\S+)$`), "reason.exceeds_available"},
		{regexp.MustCompile(`^exceeds the ([0-9]+) reserved of part (\S+) at (\S+)$`), "reason.exceeds_reserved"},
		{regexp.MustCompile(`^must be a whole number between (\S+) and (\S+)$`), "reason.whole_between"},
		{regexp.MustCompile(`^must be a whole number$`), "reason.whole"},
		{regexp.MustCompile(`^no part (\S+)$`), "reason.no_part"},
		{regexp.MustCompile(`^no stock location (\S+)$`), "reason.no_location"},
		{regexp.MustCompile(`^must be receipt, transfer, consume, return or adjust$`), "reason.kind_stock"},
		{regexp.MustCompile(`^is required for an adjustment$`), "reason.adjust_reason"},
		{regexp.MustCompile(`^must be after window_start$`), "reason.after_window_start"},
		{regexp.MustCompile(`^must be at most 24 hours after window_start$`), "reason.window_24h"},
		{regexp.MustCompile(`^is required with window_end$`), "reason.required_with_end"},
		{regexp.MustCompile(`^has no stock location to wait at$`), "reason.no_wait_location"},
		{regexp.MustCompile(`^must be one of (.+)$`), "reason.one_of"},
		{regexp.MustCompile(`^must be at most ([0-9]+) characters$`), "reason.max_chars"},
		{regexp.MustCompile(`^must be between (\S+) and (\S+)$`), "reason.between"},
		{regexp.MustCompile(`^must not be negative$`), "reason.not_negative"},
		{regexp.MustCompile(`^must be more than zero$`), "reason.positive"},
		{regexp.MustCompile(`^must be a date, YYYY-MM-DD$`), "reason.date"},
		{regexp.MustCompile(`^must be a date and time$`), "reason.datetime"},
		{regexp.MustCompile(`^is stale$`), "reason.stale"},
		{regexp.MustCompile(`^must be valid UTF-8 without NUL characters$`), "reason.text"},
		{regexp.MustCompile(`^must be lower-case letters, digits, '-' or '_'$`), "reason.code_chars"},
		{regexp.MustCompile(`^must be person or company$`), "reason.person_company"},
		{regexp.MustCompile(`^must set at least one of service_unit_id, team_id, assignee_id, department_id, urgency$`), "reason.rule_action"},
		{regexp.MustCompile(`^a time rule names exactly one status$`), "reason.time_one_status"},
		{regexp.MustCompile(`^a time rule needs after_hours > 0$`), "reason.time_after_hours"},
		{regexp.MustCompile(`^a rule needs 1 to 10 actions$`), "reason.rule_actions"},
		{regexp.MustCompile(`^must be an absolute http or https URL$`), "reason.http_url"},
		{regexp.MustCompile(`^must be at least ([0-9]+) characters$`), "reason.min_chars"},
		{regexp.MustCompile(`^subscribe to at least one event$`), "reason.one_event"},
		{regexp.MustCompile(`^must be chosen from the list$`), "reason.chosen"},
		{regexp.MustCompile(`^no ticket has this number$`), "reason.no_ticket"},
		{regexp.MustCompile(`^no ticket has the number (.+)$`), "reason.no_ticket_n"},
		{regexp.MustCompile(`^must be assignee, supervisor or team$`), "reason.notify_who"},
		{regexp.MustCompile(`^is not a known (?:status|urgency)$`), "reason.unknown_value"},
		{regexp.MustCompile(`^must be ([0-9.]+) to ([0-9.]+)$`), "reason.range"},
		{regexp.MustCompile(`^is not a known customer tier$`), "reason.unknown_tier"},
		{regexp.MustCompile(`^is not a known team$`), "reason.unknown_team"},
		{regexp.MustCompile(`^must be later than delay_hours$`), "reason.later_than_delay"},
		// Complaints closed with the customer (issue #20).
		{regexp.MustCompile(`^is required to close a complaint$`), "reason.complaint_severity"},
		{regexp.MustCompile(`^is required to close a complaint \(a code of the root-cause taxonomy\)$`), "reason.complaint_root_cause"},
		{regexp.MustCompile(`^the customer's confirmation, or ([0-9]+) documented failed attempts to reach them, is required; ([0-9]+) logged$`), "reason.complaint_confirmation"},
		{regexp.MustCompile(`^(".*") is not an active root-cause code$`), "reason.root_cause_code"},
		{regexp.MustCompile(`^is required when the customer rejects the closure$`), "reason.reject_note"},
		{regexp.MustCompile(`^give a severity or a root cause$`), "reason.complaint_input"},
		// The survey template editor.
		{regexp.MustCompile(`^is used twice$`), "reason.used_twice"},
		{regexp.MustCompile(`^is asked twice$`), "reason.asked_twice"},
		{regexp.MustCompile(`^must have 1 to 10 questions$`), "reason.questions_count"},
		{regexp.MustCompile(`^must ask the (\S+) score$`), "reason.must_ask_score"},
		{regexp.MustCompile(`^must have 1 to 20 reasons$`), "reason.reasons_count"},
		{regexp.MustCompile(`^must be a unique lower-case code$`), "reason.unique_code"},
		{regexp.MustCompile(`^both names are required$`), "reason.both_names"},
		{regexp.MustCompile(`^is not one of (.+)$`), "reason.not_one_of"},
		// The customer portal's reasons (issue #20).
		{regexp.MustCompile(`^must be an email address$`), "reason.email"},
		{regexp.MustCompile(`^not found$`), "reason.not_found"},
		{regexp.MustCompile(`^differs from the password$`), "reason.differs"},
		{regexp.MustCompile(`^is not an offered window$`), "reason.not_offered"},
		{regexp.MustCompile(`^already has a portal sign-in$`), "reason.has_portal"},
		// Field standards, rates and the work report (issue #19).
		{regexp.MustCompile(`^needs at least one item$`), "reason.one_item"},
		{regexp.MustCompile(`^is listed twice$`), "reason.listed_twice"},
		{regexp.MustCompile(`^another checklist has this category and nature$`), "reason.checklist_scope"},
		{regexp.MustCompile(`^is not a known product category$`), "reason.unknown_category"},
		{regexp.MustCompile(`^is not a region \(a top-level service unit\)$`), "reason.not_region"},
		{regexp.MustCompile(`^must be an amount such as 125\.50$`), "reason.amount"},
		{regexp.MustCompile(`^must be a JPEG, PNG, WebP or GIF image$`), "reason.photo_type"},
		{regexp.MustCompile(`^takes at most ([0-9]+) photos$`), "reason.max_photos"},
		{regexp.MustCompile(`^must be a PNG drawn on the signature pad$`), "reason.signature"},
		{regexp.MustCompile(`^no service checklist applies to the ticket$`), "reason.no_checklist"},
		{regexp.MustCompile(`^([0-9]+) is not an item of checklist "(.+)"$`), "reason.not_check_item"},
		// The text analytics' dictionary and topics.
		{regexp.MustCompile(`^must not contain spaces$`), "reason.no_spaces"},
		{regexp.MustCompile(`^repeats an earlier word$`), "reason.repeats_word"},
		{regexp.MustCompile(`^there are no words$`), "reason.no_words"},
		{regexp.MustCompile(`^must not be before from$`), "reason.not_before_from"},
		{regexp.MustCompile(`^has no (word|kind) column$`), "reason.no_column"},
		{regexp.MustCompile(`^must be a number$`), "reason.number"},
		{regexp.MustCompile(`^is not a readable CSV or XLSX table$`), "reason.not_table"},
		{regexp.MustCompile(`^has no tickets in this scope$`), "reason.no_topic_tickets"},
		// Customer segment rules (issue #20).
		{regexp.MustCompile(`^needs at least one condition$`), "reason.segment_condition"},
		{regexp.MustCompile(`^must not be below the minimum$`), "reason.segment_max_min"},
		// Reasons the forms gave in English on the Chinese pages (helper s6/newuser).
		{regexp.MustCompile(`^must be a valid email address$`), "reason.email_valid"},
		{regexp.MustCompile(`^is required, at most ([0-9]+) characters$`), "reason.required_max"},
		{regexp.MustCompile(`^must be a whole number$`), "reason.whole_number"},
		{regexp.MustCompile(`^must not be empty$`), "reason.not_empty"},
		{regexp.MustCompile(`^must be a date as YYYY-MM-DD$`), "reason.date_as"},
		{regexp.MustCompile(`^must be an IANA time zone such as Asia/Shanghai$`), "reason.time_zone"},
		{regexp.MustCompile(`^a policy needs at least one target$`), "reason.policy_target"},
		{regexp.MustCompile(`^a Chinese or English name is required$`), "reason.one_name"},
		{regexp.MustCompile(`^a label is required$`), "reason.label"},
		{regexp.MustCompile(`^must start with a letter and hold only a-z, 0-9 and _$`), "reason.field_key"},
		{regexp.MustCompile(`^give a threshold, a control chart or both$`), "reason.alert_limit"},
		{regexp.MustCompile(`^choose a code from the taxonomy or describe the root cause$`), "reason.root_cause_input"},
		{regexp.MustCompile(`^unknown KPI$`), "reason.unknown_kpi"},
		{regexp.MustCompile(`^must be week or month$`), "reason.week_month"},
		// The technician and stock forms (helper s7/fieldadmin).
		{regexp.MustCompile(`^must be a time HH:MM$`), "reason.time_hhmm"},
		{regexp.MustCompile(`^must be after start_min, at most 1440$`), "reason.shift_end"},
		{regexp.MustCompile(`^overlaps shifts\[(?:[0-9]+)\]$`), "reason.shift_overlap"},
		{regexp.MustCompile(`^must be after start$`), "reason.after_start"},
		{regexp.MustCompile(`^must be at most ([0-9]+) bytes of text$`), "reason.text_bytes"},
		{regexp.MustCompile(`^must be 1 to 60 characters without spaces$`), "reason.part_number"},
		{regexp.MustCompile(`^is longer than ([0-9]+) bytes$`), "reason.longer_bytes"},
		{regexp.MustCompile(`^must be a product model of 1 to 100 bytes$`), "reason.part_model"},
		{regexp.MustCompile(`^is already in use$`), "reason.in_use"},
		{regexp.MustCompile(`^is required, at most ([0-9]+) bytes$`), "reason.required_bytes"},
		{regexp.MustCompile(`^is required for a service point and only for one$`), "reason.location_unit"},
		{regexp.MustCompile(`^is required for a van and only for one$`), "reason.location_van"},
		{regexp.MustCompile(`^must be above the reorder point$`), "reason.above_reorder"},
		{regexp.MustCompile(`^must be a non-zero number of units between (\S+) and (\S+)$`), "reason.adjust_qty"},
		{regexp.MustCompile(`^must be warehouse, service_point or van$`), "reason.chosen"},
		{regexp.MustCompile(`^is a (?:\S+), not a (?:service point|technician)$`), "reason.chosen"},
	}...), storeFieldReasons()...)
}

// fieldReason says a field error's reason in lang.
func (c *Catalog) fieldReason(lang, reason string) string { return c.fieldReasonFor(lang, "", reason) }

// enumLists names, by reason key, the captured value that lists an
// enum's values ("must be one of phone, email"): they are shown by their
// labels in the page's language.
var enumLists = map[string]int{"reason.one_of": 0, "reason.not_one_of": 0, "reason.s.must_be_empty_or_one_of": 0, "reason.s.is_not_one_of": 1}

// enumPrefixes are the catalog prefixes of an enum's labels, by the
// field that holds it (its last part, without an index); a field not
// listed uses its own name.
var enumPrefixes = map[string][]string{
	"natures": {"nature"}, "severity": {"complaint.severity"}, "outcome": {"followup.outcome", "visit.outcome"},
	"result": {"followup.result"}, "channel": {"channel", "followup.channel"}, "kind": {"unit", "dept", "survey.kind"},
	"reason": {"followup.reason", "kb.reason"}, "status": {"status", "improvement", "followup.status"}, "to": {"status"},
}

// fieldReasonFor says the reason of field's error in lang; the values an
// enum reason lists are named by their labels.
func (c *Catalog) fieldReasonFor(lang, field, reason string) string {
	for _, p := range c.fields {
		if m := p.re.FindStringSubmatch(reason); m != nil {
			args := make([]any, 0, len(m)-1)
			for _, v := range m[1:] {
				args = append(args, v)
			}
			if i, ok := enumLists[p.key]; ok && i < len(args) {
				args[i] = c.enumLabels(lang, field, m[1+i])
			}
			return fmt.Sprintf(c.T(lang, p.key), args...)
		}
	}
	return reason
}

// enumLabels names the values of a list "a, b, c" by their labels, all
// under one catalog prefix; a list some value of which has no label
// there is kept as it is.
func (c *Catalog) enumLabels(lang, field, list string) string {
	base := field
	if i := strings.LastIndex(base, "."); i >= 0 {
		base = base[i+1:]
	}
	if i := strings.Index(base, "["); i >= 0 {
		base = base[:i]
	}
	prefixes := enumPrefixes[base]
	if len(prefixes) == 0 {
		prefixes = []string{base}
	}
	// Weekdays are the keys of a calendar's week ("week.mon").
	prefixes = append(prefixes, "day")
	values := strings.Split(list, ", ")
	sep := "、"
	if lang == "en" {
		sep = ", "
	}
next:
	for _, pre := range prefixes {
		labels := make([]string, len(values))
		for i, v := range values {
			if pre == "" || !c.Has(lang, pre+"."+v) {
				continue next
			}
			labels[i] = c.T(lang, pre+"."+v)
		}
		return strings.Join(labels, sep)
	}
	return list
}

// notifyTitles recognises the titles the system gives notifications.
func notifyTitles() []notePart {
	return []notePart{
		{regexp.MustCompile(`^SLA 预警 warning: (\S+) ([0-9]+)%$`), "note.notify.sla_warning"},
		{regexp.MustCompile(`^SLA 升级 escalation L([0-9]+): (\S+)$`), "note.notify.sla_escalation"},
		{regexp.MustCompile(`^You own an improvement item: (.+)$`), "note.notify.item_owner"},
		{regexp.MustCompile(`^Action for (\S+), due (.+)$`), "note.notify.action"},
		{regexp.MustCompile(`^(\S+): action due (.+)$`), "note.notify.action_due"},
		{regexp.MustCompile(`^(\S+): action overdue since (.+)$`), "note.notify.action_overdue"},
		{regexp.MustCompile(`^(\S+) is past its target date (.+)$`), "note.notify.item_overdue"},
		{regexp.MustCompile(`^投诉结案被客户拒绝 complaint closure rejected: (\S+)$`), "note.notify.complaint_rejected"},
		{regexp.MustCompile(`^(\S+): ([a-z_]+) → ([a-z_]+)$`), "note.notify.item_status"},
	}
}

// NotificationTitle says a notification's title in the page's language
// when the system wrote it; improvement statuses in it are named too.
func (p *Page) NotificationTitle(n *aftersales.Notification) string {
	// A visit's notification carries both languages: "中文 / English".
	if zh, en, ok := strings.Cut(n.Title, " / "); ok && strings.HasPrefix(n.Kind, "visit.") {
		return p.L(zh, en)
	}
	if !strings.HasPrefix(n.Kind, "sla_") && !strings.HasPrefix(n.Kind, "improvement.") {
		return n.Title
	}
	for _, t := range p.cat.titles {
		m := t.re.FindStringSubmatch(n.Title)
		if m == nil {
			continue
		}
		args := make([]any, 0, len(m)-1)
		for i, v := range m[1:] {
			if t.key == "note.notify.item_status" && i > 0 {
				v = p.tOr("improvement."+v, v)
			}
			args = append(args, v)
		}
		return fmt.Sprintf(p.T(t.key), args...)
	}
	return n.Title
}

// NotificationBody says the body of an SLA notification in the page's
// language; other bodies are what a person wrote.
func (p *Page) NotificationBody(n *aftersales.Notification) string {
	if zh, en, ok := strings.Cut(n.Body, "\n"); ok && strings.HasPrefix(n.Kind, "visit.") {
		return p.L(zh, en)
	}
	if strings.HasPrefix(n.Kind, "sla_") {
		return p.cat.systemNote(p.Lang, n.Body)
	}
	if n.Kind == "improvement.status" {
		return p.verifyReason(n.Body)
	}
	return n.Body
}

// FieldName names a ticket field in the page's language; a custom field
// keeps the key its administrator gave it.
func (p *Page) FieldName(field string) string { return p.tOr("field."+field, field) }

// FieldValue shows a changed field's value: an enum through the catalog,
// anything else as recorded.
func (p *Page) FieldValue(field, value string) string {
	switch field {
	case "urgency", "nature", "channel", "status":
		return p.tOr(field+"."+value, value)
	}
	return value
}

// effectParts recognises the English reason of an effective verification
// (analytics.Verify), which a published case keeps as its effect unless
// someone wrote one.
func effectParts() []notePart {
	return []notePart{
		{regexp.MustCompile(`^([a-z0-9_]+) went from (\S+) to (\S+) \(change (\S+), ([0-9]+)% CI (\S+) to (\S+), p = (\S+)\)(, meeting the target \S+)?$`), "note.effect.test"},
		{regexp.MustCompile(`^([a-z0-9_]+) went from (\S+) to (\S+): the after window ranks (higher|lower) \(p = (\S+)\); Hodges-Lehmann shift (\S+), ([0-9]+)% CI (\S+) to (\S+)(, meeting the target \S+)?$`), "note.effect.shift"},
	}
}

// effectNumbers says which of a verification sentence's captured values
// (after the KPI's key) are the KPI's values and which are differences,
// by catalog key: both are shown in the KPI's unit, as on the item page.
var effectNumbers = map[string]struct{ values, diffs []int }{
	"note.effect.test":  {values: []int{1, 2}, diffs: []int{3, 5, 6}},
	"note.effect.shift": {values: []int{1, 2}, diffs: []int{5, 7, 8}},
}

// CaseEffect says a case's effect in the page's language when it is the
// verification's own sentence: the KPI by its name, its numbers in the
// KPI's unit (%, h, min, ¥...) scaled as on the item page from the
// before value.
func (p *Page) CaseEffect(s string) string {
	for _, e := range p.cat.effects {
		m := e.re.FindStringSubmatch(s)
		if m == nil {
			continue
		}
		args := make([]any, 0, len(m)-1)
		for i, v := range m[1 : len(m)-1] {
			switch {
			case i == 0 && p.cat.Has(p.Lang, "kpi."+v):
				v = p.T("kpi." + v)
			case v == "higher" || v == "lower":
				v = p.T("note.effect." + v)
			}
			args = append(args, v)
		}
		target, hasTarget := strings.CutPrefix(m[len(m)-1], ", meeting the target ")
		if k, ok := analytics.Lookup(m[1]); ok {
			num := func(v string) (float64, bool) {
				f, err := strconv.ParseFloat(v, 64)
				return f, err == nil
			}
			ref, _ := num(m[2])
			sc := p.scaleFor(k.Unit, ref)
			at := effectNumbers[e.key]
			for _, i := range at.values {
				if f, ok := num(m[1+i]); ok {
					args[i] = sc.num(f, false)
				}
			}
			for _, i := range at.diffs {
				if f, ok := num(m[1+i]); ok {
					args[i] = sc.num(f, true)
				}
			}
			if f, ok := num(target); ok && hasTarget {
				target = sc.num(f, false)
			}
		}
		out := fmt.Sprintf(p.T(e.key), args...)
		if hasTarget {
			out += fmt.Sprintf(p.T("note.effect.target"), target)
		}
		return out
	}
	return s
}

// AuditName names an audit entry's action (kind "a") or entity (kind "e")
// in the page's language; one the catalog lacks is shown as recorded.
func (p *Page) AuditName(kind, v string) string { return p.tOr("audit."+kind+"."+v, v) }

// caseBaseline is the line a published case's problem ends with when the
// store wrote it from the item: the item's KPI and its baseline
// ("arrival_median at 3281").
var caseBaseline = regexp.MustCompile(`(?m)^([a-z0-9_]+) at (\S+)$`)

// CaseProblem is a case's problem with the baseline line the store wrote
// said in the page's language, by the KPI's name; the rest is the text a
// person wrote, shown as written.
func (p *Page) CaseProblem(s string) string {
	return caseBaseline.ReplaceAllStringFunc(s, func(line string) string {
		m := caseBaseline.FindStringSubmatch(line)
		k, ok := analytics.Lookup(m[1])
		v, err := strconv.ParseFloat(m[2], 64)
		if !ok || err != nil || !p.cat.Has(p.Lang, "kpi."+m[1]) {
			return line
		}
		// In the unit the item's page shows it in (3281 minutes: 2.3 days).
		return fmt.Sprintf(p.T("improve.case_baseline"), p.T("kpi."+m[1]), inScale(v, p.scaleFor(k.Unit, v)))
	})
}
