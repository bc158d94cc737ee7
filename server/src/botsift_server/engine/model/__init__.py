"""The model file that ships with the engine (``model.json``) and its card (``MODEL_CARD.md``).

Made by ``botsift-server train``; read by :func:`botsift_server.engine.learned.shipped_model`.
"""
