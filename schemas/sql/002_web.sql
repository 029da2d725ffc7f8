-- Web service: accounts and the screens an organisation lays out.

-- People who log in to the dashboard and the admin screens. Passwords are stored
-- as Argon2id hashes only (services/web/auth.py); roles grow: viewer < editor < admin.
CREATE TABLE web_accounts (
    name          text        PRIMARY KEY CHECK (name ~ '^[a-z0-9][a-z0-9._-]{1,62}$'),
    password_hash text        NOT NULL,
    role          text        NOT NULL CHECK (role IN ('viewer', 'editor', 'admin')),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);

-- One row per screen: a supervisor dashboard or a hall display. ``layout`` holds
-- its title, groups (pages on a display) and per norm the widget, in order; its
-- shape is checked by services/web/layouts.py before it is stored.
CREATE TABLE web_screens (
    screen      text        PRIMARY KEY CHECK (screen ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    kind        text        NOT NULL CHECK (kind IN ('dashboard', 'display')),
    layout      jsonb       NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    updated_by  text
);

-- Open items behind a norm, oldest first.
CREATE INDEX IF NOT EXISTS observations_open ON observations (norm, started_at) WHERE op = 'open';
