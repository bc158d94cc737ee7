"""Per-tenant engine state of the server: effective configurations and replay indexes.

The engine is pure; this is where the server keeps what differs by tenant:

* the tenant's overrides of the scoring settings, read from the store and cached for a short
  time (``ttl_s``), so a change made with ``botsift-server tenant-config`` applies within it;
* one :class:`Engine` per effective configuration (file, then action, then tenant), sharing the
  loaded model;
* one bounded :class:`ReplayIndex` per tenant, for the least recently used
  ``replay_index_tenants`` tenants.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Mapping

from botsift_server.engine import Engine, EngineConfig, ReplayIndex
from botsift_server.errors import StoreUnavailableError
from botsift_server.store import Store

_log = logging.getLogger("botsift.tenants")
_MAX_CACHED_TENANTS = 4096
_MAX_ENGINES = 256


class TenantEngines:
    """Engines and replay indexes by tenant, around the server's base engine."""

    def __init__(
        self,
        engine: Engine,
        store: Store,
        *,
        ttl_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.engine = engine
        """The engine of the configuration file (no tenant overrides)."""
        self._store = store
        self._ttl_s = ttl_s
        self._clock = clock
        self._overrides: OrderedDict[uuid.UUID, tuple[float, Mapping[str, object] | None]] = OrderedDict()
        self._engines: dict[EngineConfig, Engine] = {}
        self._replay: OrderedDict[uuid.UUID, ReplayIndex] = OrderedDict()

    async def load(self, tenant_id: uuid.UUID) -> None:
        """Make sure the tenant's overrides are cached and fresh (read from the store if not).

        When the store cannot be reached, the last known overrides (or none) stay in use: a
        verdict with the file's settings beats no verdict.
        """
        cached = self._overrides.get(tenant_id)
        now = self._clock()
        if cached is not None and now - cached[0] < self._ttl_s:
            return
        try:
            overrides: Mapping[str, object] | None = await self._store.get_engine_overrides(tenant_id)
        except StoreUnavailableError:
            overrides = cached[1] if cached is not None else None
        self._overrides[tenant_id] = (now, overrides)
        self._overrides.move_to_end(tenant_id)
        while len(self._overrides) > _MAX_CACHED_TENANTS:
            self._overrides.popitem(last=False)

    def engine_for(self, tenant_id: uuid.UUID, action: str) -> Engine:
        """The engine with the effective configuration of this tenant and action."""
        cached = self._overrides.get(tenant_id)
        tenant = cached[1] if cached is not None else None
        try:
            config = self.engine.config.for_action(action, tenant)
        except ValueError as exc:
            # Stored overrides are checked when written, but they may clash with a later
            # configuration file (a tenant's high_score under the file's medium_score).
            _log.warning(
                "tenant engine overrides ignored", extra={"tenant_id": str(tenant_id), "error": str(exc)}
            )
            config = self.engine.config.for_action(action)
        found = self._engines.get(config)
        if found is None:
            if len(self._engines) >= _MAX_ENGINES:
                self._engines.clear()
            found = self._engines[config] = Engine(config, self.engine.model)
        return found

    def replay(self, tenant_id: uuid.UUID) -> ReplayIndex:
        """The tenant's replay index (created on first use; the least recently used is dropped)."""
        index = self._replay.get(tenant_id)
        if index is None:
            config = self.engine.config
            index = self._replay[tenant_id] = ReplayIndex(config.replay_index_sessions)
            while len(self._replay) > config.replay_index_tenants:
                self._replay.popitem(last=False)
        else:
            self._replay.move_to_end(tenant_id)
        return index
