"""Offline evaluation: the trace format, dataset importers, bot generators and metrics.

Runs the same engine as the server, on recorded sessions.
"""

from botsift_server.evaluation._traces import (
    EVENT_TYPES,
    KEY_CLASSES,
    Label,
    Trace,
    TraceFormatError,
    columns_from_events,
    device_from_dict,
    read_traces,
    trace_from_dict,
    trace_to_dict,
    write_traces,
)

__all__ = [
    "EVENT_TYPES",
    "KEY_CLASSES",
    "Label",
    "Trace",
    "TraceFormatError",
    "columns_from_events",
    "device_from_dict",
    "read_traces",
    "trace_from_dict",
    "trace_to_dict",
    "write_traces",
]
