-- Definitions, observations, indicator history and status changes.
-- Applied once, in file-name order, by `servicenorm setup`; recorded in schema_migrations.

CREATE TABLE norm_definitions (
    norm        text        NOT NULL,
    version     integer     NOT NULL,
    definition  jsonb       NOT NULL,
    source_file text,
    loaded_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (norm, version)
);

-- The definition each norm has now: the highest version loaded.
CREATE VIEW current_norms AS
SELECT DISTINCT ON (norm) norm, version, definition, loaded_at
FROM norm_definitions
ORDER BY norm, version DESC;

-- One measured item per norm: an upsert by id (a recalled ticket revises its own row).
CREATE TABLE observations (
    id          text        PRIMARY KEY,
    norm        text        NOT NULL,
    item        text        NOT NULL,
    op          text        NOT NULL CHECK (op IN ('open', 'done', 'close')),
    started_at  timestamptz NOT NULL,
    ended_at    timestamptz,
    duration_s  double precision,
    within      boolean,
    scope       jsonb       NOT NULL DEFAULT '{}',
    recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX observations_norm_end ON observations (norm, ended_at);

-- Counted events (ratio indicators) and reported values, one row per source event.
CREATE TABLE facts (
    id          text        PRIMARY KEY,
    norm        text        NOT NULL,
    indicator   text        NOT NULL,
    role        text,
    value       double precision,
    at          timestamptz NOT NULL,
    scope       jsonb       NOT NULL DEFAULT '{}'
);
CREATE INDEX facts_norm_at ON facts (norm, indicator, at);

-- Indicator history for trend graphs: the last snapshot of each minute per scope key.
CREATE TABLE indicator_minutes (
    scope_key   text        NOT NULL,
    minute      timestamptz NOT NULL,
    norm        text,
    indicator   text,
    status      text        NOT NULL,
    value       double precision,
    count       integer,
    today_value double precision,
    today_count integer,
    PRIMARY KEY (scope_key, minute)
);

-- Latest snapshot per scope key, for the first paint of a page.
CREATE TABLE indicator_latest (
    scope_key   text        PRIMARY KEY,
    snapshot    jsonb       NOT NULL,
    updated_at  timestamptz NOT NULL
);

CREATE TABLE status_changes (
    id          text        PRIMARY KEY,
    scope_key   text        NOT NULL,
    at          timestamptz NOT NULL,
    previous    text,
    status      text        NOT NULL,
    event       jsonb       NOT NULL
);
CREATE INDEX status_changes_key_at ON status_changes (scope_key, at);
