"""A server started with `BOTSIFT_MODEL_FILE` (a model from `botsift-server train`) judges with
it: its verdicts, live and stored, and its metrics name the model after the engine version."""

from __future__ import annotations

import asyncio
import urllib.request
from pathlib import Path

import grpc

from botsift.v1 import detection_pb2, detection_pb2_grpc
from botsift_server import App, Settings
from botsift_server.cli import main
from botsift_server.engine import ENGINE_VERSION

from .conftest import SERVER_ENV, make_tenant
from .support import auth, curve_events, new_session_id, start

SAMPLE = Path(__file__).parents[1] / "unit" / "engine" / "data" / "sample.jsonl"


async def test_a_server_on_a_trained_model_names_it_in_live_and_stored_verdicts(
    integration_database_url: str, tmp_path: Path
) -> None:
    model = tmp_path / "site.json"
    assert main(["train", str(SAMPLE), "--part", "all", "--version", "site-7", "--out", str(model)]) == 0
    settings = Settings.load(
        environ={
            **SERVER_ENV,
            "BOTSIFT_DATABASE_URL": integration_database_url,
            "BOTSIFT_MODEL_FILE": str(model),
        }
    )
    app = await App.start(settings)
    try:
        keys = await make_tenant(app)
        async with grpc.aio.insecure_channel(f"127.0.0.1:{app.port}") as channel:
            detection = detection_pb2_grpc.DetectionServiceStub(channel)
            session_id = new_session_id()
            verdict = await detection.ScoreSession(
                detection_pb2.ScoreSessionRequest(start=start(session_id), events=curve_events(120)),
                metadata=auth(keys.publishable),
            )
            assert verdict.engine_version == f"{ENGINE_VERSION}+site-7"
            stored = await detection.GetVerdict(
                detection_pb2.GetVerdictRequest(session_id=session_id), metadata=auth(keys.secret)
            )
            assert stored.engine_version == f"{ENGINE_VERSION}+site-7"
        # Operators see which model a replica judges with.
        url = f"http://127.0.0.1:{app.metrics_port}/metrics"
        text = await asyncio.to_thread(lambda: urllib.request.urlopen(url, timeout=5).read().decode())
        assert f'botsift_engine_info{{engine_version="{ENGINE_VERSION}+site-7"}} 1.0' in text
    finally:
        await app.stop()
