-- Business calendars attach to teams and service units: a policy may
-- count time in the calendar of the ticket's team or unit.

ALTER TABLE teams ADD COLUMN calendar_id INTEGER REFERENCES business_calendars(id);
ALTER TABLE service_units ADD COLUMN calendar_id INTEGER REFERENCES business_calendars(id);
ALTER TABLE sla_policies ADD COLUMN use_ticket_calendar INTEGER NOT NULL DEFAULT 0;

-- On-site arrival and next response targets and clocks.
ALTER TABLE sla_policies ADD COLUMN arrival_minutes INTEGER NOT NULL DEFAULT 0 CHECK (arrival_minutes >= 0);
ALTER TABLE sla_policies ADD COLUMN next_response_minutes INTEGER NOT NULL DEFAULT 0 CHECK (next_response_minutes >= 0);
ALTER TABLE ticket_sla ADD COLUMN arr_due_at INTEGER;
ALTER TABLE ticket_sla ADD COLUMN arr_met INTEGER;
ALTER TABLE ticket_sla ADD COLUMN nr_due_at INTEGER;
ALTER TABLE ticket_sla ADD COLUMN nr_met INTEGER;
