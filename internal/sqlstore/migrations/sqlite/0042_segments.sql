-- Customer segments (issue #20): ordered rules on a customer's history
-- (assets bought, tickets, complaints, billable spend over the last
-- months) that set the tier. pos is the rule's place in the list; the
-- first matching rule wins. No rules means segmentation is off.
CREATE TABLE segment_rules (
    pos            INTEGER PRIMARY KEY CHECK (pos > 0),
    tier           TEXT NOT NULL REFERENCES customer_tiers(code),
    months         INTEGER NOT NULL CHECK (months BETWEEN 1 AND 120),
    min_assets     INTEGER CHECK (min_assets >= 0),
    min_tickets    INTEGER CHECK (min_tickets >= 0),
    min_complaints INTEGER CHECK (min_complaints >= 0),
    max_complaints INTEGER CHECK (max_complaints >= 0),
    min_spend      INTEGER CHECK (min_spend >= 0),
    updated_at     INTEGER NOT NULL
);

-- Why the customer has its tier, as set by the rules (JSON of the rule
-- and the values that matched); '' when the tier was set by hand.
ALTER TABLE customers ADD COLUMN tier_reason TEXT NOT NULL DEFAULT '';

-- A locked tier (a key account by contract, say) is left alone by the
-- rules.
ALTER TABLE customers ADD COLUMN tier_locked INTEGER NOT NULL DEFAULT 0;
