"""`eval --target` scores through a real server's Analyze stream and agrees with offline scoring."""

from __future__ import annotations

from pathlib import Path

import pytest

from botsift_server import App
from botsift_server.evaluation import (
    RemoteError,
    generate,
    import_dataset,
    score_offline,
    score_remote,
    summarize,
)

from .support import TenantKeys

FIXTURES = Path(__file__).parents[1] / "unit" / "evaluation" / "data"


async def test_the_server_gives_the_verdicts_the_offline_engine_gives(app: App, tenant: TenantKeys) -> None:
    traces = [
        *import_dataset("delbot", FIXTURES / "delbot-mouse.tar.gz"),
        *list(import_dataset("keystroke100", FIXTURES / "keystroke100.tar.xz"))[:4],
        *generate("lognormal", 3, seed=5),
        *generate("teleport", 2, seed=5),
    ]
    done: list[int] = []
    remote = await score_remote(
        traces,
        f"127.0.0.1:{app.port}",
        tenant.publishable,
        streams=2,
        sessions_per_stream=4,
        progress=done.append,
    )
    offline = score_offline(traces)
    assert len(remote) == len(traces) == sum(done)
    for there, here in zip(remote, offline, strict=True):
        assert there.session_id == here.session_id
        assert there.score == pytest.approx(here.score, abs=1e-6)
        assert there.risk_level == here.risk_level
        # The server also notes that the streamed copy was declared a recording.
        assert set(there.reasons) == {*here.reasons, "TIMING_RECORDED_SESSION"}
        # What pointed to a bot (the flagged-people listing) reads the same from the server's weights.
        assert set(there.bot_reasons) - {"TIMING_RECORDED_SESSION"} == set(here.bot_reasons)
    assert sum(1 for s in remote if s.bot_reasons) >= 5
    results = summarize(remote, mode=f"server 127.0.0.1:{app.port}")
    assert results.bots == 6
    assert results.auc is not None


async def test_a_wrong_key_fails_the_run_with_the_servers_status(app: App) -> None:
    traces = list(generate("linear", 1, seed=1))
    with pytest.raises(RemoteError, match=r"UNAUTHENTICATED"):
        await score_remote(traces, f"127.0.0.1:{app.port}", "pk_test_" + "x" * 32)
