-- An optional English name for service units and teams, shown on English
-- screens; the existing name stays the primary (Chinese) one and is the
-- fallback when no English name is set. Categories, departments and parts
-- already carry name_zh and name_en.
ALTER TABLE service_units ADD COLUMN name_en TEXT NOT NULL DEFAULT '';
ALTER TABLE teams ADD COLUMN name_en TEXT NOT NULL DEFAULT '';
-- The config stamp's trigger on teams (0030) lists the columns it watches,
-- name_en not among them; it still fires on every team edit, because
-- UpdateTeam sets name (a listed column) in the same statement.
