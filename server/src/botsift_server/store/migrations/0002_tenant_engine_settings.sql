-- 0002: per-tenant overrides of the detection engine's scoring settings.
--
-- One JSON object per tenant, the same shape as the [engine] TOML table but limited to the
-- scoring settings (thresholds, weights, detector switches) plus "actions" tables of them. The
-- server validates it before writing (botsift-server tenant-config) and again when reading.

CREATE TABLE tenant_engine_settings (
    tenant_id   uuid        PRIMARY KEY REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    overrides   jsonb       NOT NULL CHECK (jsonb_typeof(overrides) = 'object'),
    update_time timestamptz NOT NULL DEFAULT clock_timestamp()
);
