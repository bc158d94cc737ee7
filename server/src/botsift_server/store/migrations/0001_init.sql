-- 0001: tenants, API keys, final verdicts and hourly usage.
--
-- Migrations are applied in version order by botsift_server.store._migrate, all pending ones
-- in one transaction, so a file must not use statements that cannot run in a transaction
-- (CREATE INDEX CONCURRENTLY, ALTER TYPE ... ADD VALUE before PG 12, VACUUM).
-- A file is never edited once released: changes go into a new, higher-numbered file.

CREATE TABLE tenants (
    tenant_id   uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    name        text        NOT NULL UNIQUE,
    create_time timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- Only the SHA-256 of a key is stored; display_prefix (for example "sk_live_AbC1") lets a
-- person recognise a key in a listing without it being usable.
CREATE TABLE api_keys (
    key_id         uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id      uuid        NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    key_hash       bytea       NOT NULL UNIQUE CHECK (octet_length(key_hash) = 32),
    kind           text        NOT NULL CHECK (kind IN ('pk', 'sk')),
    mode           text        NOT NULL CHECK (mode IN ('test', 'live')),
    display_prefix text        NOT NULL,
    name           text        NOT NULL,
    -- clock_timestamp(), not now(): keys created in one transaction still list in order.
    create_time    timestamptz NOT NULL DEFAULT clock_timestamp(),
    revoke_time    timestamptz
);

-- Serves "a tenant's keys, newest first" (ListKeys) without a sort.
CREATE INDEX api_keys_tenant_newest ON api_keys (tenant_id, create_time DESC, key_id DESC);

-- One final verdict per (tenant, session id): the primary key is what makes a second
-- SessionEnd for the same id a duplicate. reasons/contributions/event_counts hold the
-- engine's dataclasses as JSON (see botsift_server.store._codec).
CREATE TABLE verdicts (
    tenant_id          uuid             NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    session_id         text             NOT NULL,
    action             text             NOT NULL,
    mode               text             NOT NULL CHECK (mode IN ('test', 'live')),
    score              double precision NOT NULL CHECK (score >= 0 AND score <= 1),
    risk_level         smallint         NOT NULL,
    confidence         double precision NOT NULL,
    reasons            jsonb            NOT NULL,
    contributions      jsonb            NOT NULL,
    event_counts       jsonb            NOT NULL,
    engine_version     text             NOT NULL,
    decide_time        timestamptz      NOT NULL,
    processing_time_us integer          NOT NULL CHECK (processing_time_us >= 0),
    PRIMARY KEY (tenant_id, session_id)
);

-- Usage per tenant, mode and UTC hour (the hour of the verdict's decide_time), counted in
-- the same statement that stores the verdict. Rows only ever grow, also after their hour has
-- passed (a late verdict counts in the hour it was decided).
--
-- Billing: nothing here records what was reported to Stripe. The metering migration adds an
-- outbox (meter_reports: tenant, mode, hour, reported sessions/events, identifier) and reports
-- the difference between this row and what was last reported, with an identifier derived from
-- (tenant, mode, hour, new total) so a retry after a crash reports nothing twice. Keeping the
-- reported totals out of this table means the hot path never contends with the metering loop.
CREATE TABLE usage (
    tenant_id uuid        NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    mode      text        NOT NULL CHECK (mode IN ('test', 'live')),
    hour      timestamptz NOT NULL CHECK (hour = date_trunc('hour', hour, 'UTC')),
    sessions  bigint      NOT NULL DEFAULT 0 CHECK (sessions >= 0),
    events    bigint      NOT NULL DEFAULT 0 CHECK (events >= 0),
    PRIMARY KEY (tenant_id, mode, hour)
);
