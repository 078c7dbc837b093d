# SPDX-License-Identifier: Apache-2.0
"""The embeddable widget: a partner site frames ``/embed?…`` to show the venues of
its territory (list + map, server-rendered, light), and configures it at
``/embed/configurer``, which prints the ``<iframe>`` snippet to paste.

The widget takes the search parameters of the home page: the partner fixes
its territory (any the exports take: ``departement``, ``commune`` with its
arrondissements, ``code_postal``, ``epci`` for an intercommunality's communes,
``bbox``)
and filters in the address; residents can still type a place
and page through the results. Links open the full venue page in a new tab.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response

from directory.errors import InvalidQuery
from directory.schema import LIST_VOCABULARIES

from .finder import territory_filter
from .pages import FACET_TITLES, search_context
from .params import SearchRequest, read_search
from .rendering import public_base, render
from .security import embed_csp

__all__ = ["configure", "widget"]

#: Filters a partner can fix from the configuration page.
CONFIGURABLE = ("services", "frais_a_charge", "conditions_frais", "publics_specifiquement_adresses")
DEFAULT_HEIGHT = 600


def widget(request: Request) -> Response:
    """``GET /embed?departement=69&services=…``: list + map for a partner's page."""
    context, status = search_context(request, request.query_params, route="embed", browse_all=True)
    response = render(request, "embed.html", context, status=status)
    response.headers["content-security-policy"] = embed_csp(request.app.state.settings)
    return response


def configure(request: Request) -> Response:
    """``GET /embed/configurer``: choose territory and filters, copy the snippet."""
    errors: dict[str, str] = {}
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "hauteur" and v.strip()]
    try:
        search = read_search(QueryParams(params))
        territory_filter(search, request.app.state.places)  # a commune or EPCI that exists, a box
    except InvalidQuery as err:
        errors = {e.field: e.message for e in err.errors}
        search = SearchRequest()
    height = request.query_params.get("hauteur", str(DEFAULT_HEIGHT))
    if not re.fullmatch(r"[0-9]{3,4}", height) or not 300 <= int(height) <= 2000:
        errors["hauteur"] = "La hauteur est un nombre de pixels entre 300 et 2000."
        height = str(DEFAULT_HEIGHT)
    base = public_base(request)
    query = urlencode(search.params())
    src = f"{base}{request.url_for('embed').path}" + (f"?{query}" if query else "")
    choices = {
        name: (
            FACET_TITLES[name],
            [(m.code, m.label, m.code in search.filters.get(name, ())) for m in LIST_VOCABULARIES[name][0]],
        )
        for name in CONFIGURABLE
    }
    context = {
        "search": search,
        "errors": errors,
        "height": height,
        "src": src,
        "choices": choices,
        "preview": request.url_for("embed").path + (f"?{query}" if query else ""),
    }
    return render(request, "embed_configure.html", context, status=400 if errors else 200)
