"""Rasa input channels for the public edges (web chat, REST, Twilio SMS and Voice).

Each channel treats everything a client sends as untrusted text: no forced
intents, no client-chosen metadata, bounded sizes.
"""
