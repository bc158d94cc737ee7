"""Envoy serves the demo page and the built collector, beside the API and /docs."""

from __future__ import annotations

import gzip

import aiohttp

from tests.gateway.envoy import ROOT, Envoy


async def test_envoy_serves_the_demo_page_and_the_built_collector(envoy: Envoy) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{envoy.url}/demo?key=pk_test_x") as reply:
            assert reply.status == 200
            assert reply.headers["content-type"].startswith("text/html")
            assert '<script src="/demo/botsift.min.js">' in await reply.text()
        async with http.get(f"{envoy.url}/demo/botsift.min.js") as reply:
            assert reply.status == 200
            assert reply.headers["content-type"].startswith("application/javascript")
            script = await reply.read()
    assert script == (ROOT / "clients" / "web" / "dist" / "botsift.min.js").read_bytes()
    assert len(gzip.compress(script)) < 8 * 1024
