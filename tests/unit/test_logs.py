"""Log lines are JSON objects that carry the request id of the call being served."""

from __future__ import annotations

import json
import logging

from botsift_server.logs import JsonFormatter, request_id_var


def test_a_log_record_becomes_one_json_line_with_request_id_and_extra_fields() -> None:
    record = logging.LogRecord("botsift.rpc", logging.INFO, __file__, 1, "rpc %s", ("finished",), None)
    record.method = "/botsift.v1.DetectionService/ScoreSession"
    token = request_id_var.set("req-42")
    try:
        line = JsonFormatter().format(record)
    finally:
        request_id_var.reset(token)

    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == "rpc finished"
    assert entry["level"] == "INFO"
    assert entry["request_id"] == "req-42"
    assert entry["method"] == "/botsift.v1.DetectionService/ScoreSession"


def test_exceptions_are_kept_inside_the_json_line() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    entry = json.loads(JsonFormatter().format(record))
    assert "ValueError: boom" in entry["exception"]
