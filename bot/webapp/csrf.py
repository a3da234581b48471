"""CSRF protection for the console's forms.

* Signed-in forms: the synchronizer token pattern.  Each server-side session has
  its own random token (``SessionView.csrf_token``); every state-changing form
  carries it in the hidden field ``csrf_token``; the server compares in constant
  time and refuses (403) a missing or different token.
* The login form (no session yet): a double-submit token, a random value in a
  ``SameSite=Strict`` HttpOnly cookie and in the form, which must match.

Cookies are ``SameSite=Strict`` as well, so a cross-site form does not even
carry the session; the token is the second, independent layer.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Any, Optional

__all__ = ["FIELD", "LOGIN_COOKIE", "tokens_match", "new_token"]

FIELD = "csrf_token"
LOGIN_COOKIE = "pd_login_csrf"


def new_token() -> str:
    return secrets.token_urlsafe(32)


def tokens_match(expected: Optional[str], submitted: Any) -> bool:
    """Constant-time comparison; ``False`` for anything missing or not text."""
    if not expected or not isinstance(submitted, str) or not submitted:
        return False
    return hmac.compare_digest(expected.encode("utf-8"), submitted.encode("utf-8", "surrogatepass"))
