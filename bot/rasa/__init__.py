"""Rasa glue: the server start-up, the encrypted tracker store, the lock store,
the fail-safe and speed-up patches, and Rasa components of our own.

Only this package, ``bot/channels/`` and ``actions/`` import Rasa; the domain
packages below never do.
"""
