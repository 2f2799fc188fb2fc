-- Business calendars attach to teams and service units: a policy may
-- count time in the calendar of the ticket's team or unit.

ALTER TABLE teams ADD COLUMN calendar_id INTEGER REFERENCES business_calendars(id);
ALTER TABLE service_units ADD COLUMN calendar_id INTEGER REFERENCES business_calendars(id);
ALTER TABLE sla_policies ADD COLUMN use_ticket_calendar INTEGER NOT NULL DEFAULT 0;
