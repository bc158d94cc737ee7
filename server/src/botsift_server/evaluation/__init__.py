"""Offline evaluation: the trace format, dataset importers, bot generators, splits and metrics.

Runs the same engine as the server, on recorded sessions::

    from botsift_server.evaluation import import_dataset, score_offline, summarize, render_text

    scored = score_offline(import_dataset("delbot"))
    print(render_text(summarize(scored)))
"""

from botsift_server.evaluation._archive import SHARED_DATA, DatasetError
from botsift_server.evaluation._cli import add_subcommands as add_cli_commands
from botsift_server.evaluation._cli import run as run_cli_command
from botsift_server.evaluation._cut import movements
from botsift_server.evaluation._delivery import Delivery, delivery_argument, parse_delivery
from botsift_server.evaluation._generators import (
    GENERATOR_NAMES,
    GENERATORS,
    HELD_OUT,
    Bot,
    FormBot,
    generate,
)
from botsift_server.evaluation._import_devices import profile_device
from botsift_server.evaluation._import_keys import key_class
from botsift_server.evaluation._importers import DATASETS, default_archive, import_dataset
from botsift_server.evaluation._metrics import (
    Reliability,
    RocCurve,
    histogram,
    reliability,
    roc_auc,
    roc_curve,
    tpr_at_fpr,
)
from botsift_server.evaluation._report import render_text, write_report
from botsift_server.evaluation._results import FlaggedHuman, Results, SourceResult, summarize
from botsift_server.evaluation._runner import RemoteError, Scored, score_offline, score_remote
from botsift_server.evaluation._split import EVAL_FRACTION, select, split_of
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
    "DATASETS",
    "EVAL_FRACTION",
    "EVENT_TYPES",
    "GENERATORS",
    "GENERATOR_NAMES",
    "HELD_OUT",
    "KEY_CLASSES",
    "SHARED_DATA",
    "Bot",
    "DatasetError",
    "Delivery",
    "FlaggedHuman",
    "FormBot",
    "Label",
    "Reliability",
    "RemoteError",
    "Results",
    "RocCurve",
    "Scored",
    "SourceResult",
    "Trace",
    "TraceFormatError",
    "add_cli_commands",
    "columns_from_events",
    "default_archive",
    "delivery_argument",
    "device_from_dict",
    "generate",
    "histogram",
    "import_dataset",
    "key_class",
    "movements",
    "parse_delivery",
    "profile_device",
    "read_traces",
    "reliability",
    "render_text",
    "roc_auc",
    "roc_curve",
    "run_cli_command",
    "score_offline",
    "score_remote",
    "select",
    "split_of",
    "summarize",
    "tpr_at_fpr",
    "trace_from_dict",
    "trace_to_dict",
    "write_report",
    "write_traces",
]
