-- PostgreSQL's 0051 has the writes that mark a ticket or visit dirty lock
-- the mark, so that a rollup refresh never deletes a mark whose write it
-- did not see. SQLite needs nothing: a refresh is one transaction of the
-- one writer, so no write commits between its reads and its deletes.
SELECT 1;
