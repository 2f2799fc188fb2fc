-- Effect verifications of a mean-kind KPI (Welch's t) stored before the
-- fix of analytics.Compare hold the windows' sizes the wrong way round:
-- n1 is the after window's, n2 the before window's, and a "too little
-- data" reason says them so. The result is JSON and the reason a
-- sentence, so the repair is Go's (sqlstore.repairVerificationSizes), run
-- in this migration's transaction. It swaps a row's sizes only when the
-- windows, counted again, show it was written the old way.
SELECT 1;
