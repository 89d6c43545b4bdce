-- Ferry asset store schema (SQLite, WAL). Applied at every start; every statement is idempotent.
-- Statements are separated by lines holding only ';'.

-- One row per asset ever seen here, live or deleted: the asset's current state.
-- A deleted asset keeps its row as a tombstone (deleted_at set) so that `since` queries report the delete.
CREATE TABLE IF NOT EXISTS assets (
    hash        TEXT    PRIMARY KEY,  -- lowercase hex SHA-256 of the bytes, also the blob's file name
    size        INTEGER NOT NULL,
    mime_type   TEXT    NOT NULL,
    application TEXT,
    tags        TEXT    NOT NULL DEFAULT '[]',  -- JSON array, for reading; asset_tags is for filtering
    user_id     TEXT,
    file_name   TEXT,
    created_at  INTEGER NOT NULL,     -- ms since epoch when the asset was first created anywhere (kept by pushes)
    ingested_at INTEGER NOT NULL,     -- ms since epoch when it (last) arrived here; "newest first" sorts on it
    updated_at  INTEGER NOT NULL,     -- ms since epoch of the last change here
    seq         INTEGER NOT NULL,     -- id of the event that last changed this row
    deleted_at  INTEGER               -- non-null marks a tombstone: the blob is gone
) WITHOUT ROWID
;
CREATE INDEX IF NOT EXISTS assets_by_seq ON assets(seq)
;
CREATE INDEX IF NOT EXISTS assets_by_ingested ON assets(ingested_at DESC, seq DESC)
;
-- Tags of live assets, one row each, so "any of these tags" is an index lookup.
CREATE TABLE IF NOT EXISTS asset_tags (
    hash TEXT NOT NULL,
    tag  TEXT NOT NULL,
    PRIMARY KEY (hash, tag)
) WITHOUT ROWID
;
CREATE INDEX IF NOT EXISTS asset_tags_by_tag ON asset_tags(tag)
;
-- Append-only change log. Its id is THE sequence number: `since`, SSE ids and Last-Event-ID all refer to it.
-- AUTOINCREMENT so an id is never reused, even after the newest rows are gone.
-- asset holds the asset's JSON state right after the change, so a replayed event says what it said live.
CREATE TABLE IF NOT EXISTS events (
    id    INTEGER PRIMARY KEY AUTOINCREMENT,
    type  TEXT    NOT NULL,   -- ingest | push | update | delete
    hash  TEXT    NOT NULL,
    at    INTEGER NOT NULL,   -- ms since epoch
    asset TEXT    NOT NULL
)
