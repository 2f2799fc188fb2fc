-- Ticket aging reads the open count of every day of one dimension. The
-- rollup rows are wide (four histograms), so reading them for one column
-- grew with the tickets behind them; this covering index holds only the
-- rows with open tickets and the columns aging reads.
CREATE INDEX kpi_daily_open ON kpi_daily(dim, val, day, open_now) WHERE open_now <> 0;
