# SPDX-License-Identifier: Apache-2.0
"""The web face of the directory: public pages and the JSON API (Starlette).

``create_app(settings, store, places)`` builds the ASGI application; all routes
are listed in ``web/app.py``.
"""

from .app import create_app
from .backoffice import load_secret, mailer_for, password_url

__all__ = ["create_app", "load_secret", "mailer_for", "password_url"]
