-- Several instances on one PostgreSQL: a due outbox row is claimed before
-- it is sent. The claim pushes next_attempt_at to the end of a lease (so a
-- crashed sender's rows fall due again by themselves) and names the claim
-- in claimed_by; only the holder of the current claim may record a failed
-- attempt, and nothing turns a delivered row back to pending.
ALTER TABLE webhook_outbox ADD COLUMN claimed_by TEXT NOT NULL DEFAULT '';
ALTER TABLE email_outbox ADD COLUMN claimed_by TEXT NOT NULL DEFAULT '';
