-- File bodies kept in the database (serve --files db, the default on
-- PostgreSQL), so that every instance on one database reaches the
-- attachments and import uploads another instance received. A blob is
-- written as chunks first and its head row last, in separate short
-- statements: a reader sees a blob only once its head exists, and chunks
-- without a head are an unfinished write that the sweep removes.
CREATE TABLE file_blobs (
    key        TEXT PRIMARY KEY,
    size       BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE file_blob_chunks (
    key        TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    data       BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (key, seq)
);
