"""Generated BotSift v1 contracts (``make proto``); do not edit the ``*_pb2*`` modules by hand."""
