"""The web app on :8000: the web chat page, and (added by later modules) the agent console and ``/api/v1``.

Starlette, one small module per concern; each contributes ``routes(settings)``.
No Rasa import here: the chat page talks to Rasa from the browser over socket.io.
"""

from bot.webapp.app import create_app

__all__ = ["create_app"]
