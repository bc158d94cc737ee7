"""BotSift Python SDK.

The generated contracts live in :mod:`botsift.v1` (``detection_pb2``, ``keys_pb2`` and their
``_grpc`` modules), regenerated from ``proto/`` by ``make proto``.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
