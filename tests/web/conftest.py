"""Fixtures of the browser tests: the shared real server behind a real Envoy (as in tests/gateway)."""

from __future__ import annotations

from tests.gateway.conftest import app, envoy, integration_database_url, shared_envoy, tenant

__all__ = ["app", "envoy", "integration_database_url", "shared_envoy", "tenant"]
