# SPDX-License-Identifier: Apache-2.0
"""Where is the person: what they typed (postcode, commune, address) or their point.

Postcodes and communes resolve offline, from the gazetteer. Anything else is
sent to the national address geocoder (BAN, ``geocoder_url``) when one is
configured; if it is not, or does not answer in time, the text is "not found"
and the page offers the communes whose names come closest.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict

import httpx

from directory.errors import FieldError, PlaceNotFound
from directory.harvest import BanGeocoder, Geocoder
from directory.places import Gazetteer, Place, fold
from directory.schema import haversine_m, in_france

__all__ = ["Locator", "suggest_places"]

#: An address answer below this score is more likely wrong than right.
MIN_ADDRESS_SCORE = 0.5
TIMEOUT_S = 3.0
ADDRESS_CACHE = 2_000
#: A point is named after its nearest commune only that close to the commune's point.
NAMED_WITHIN_M = 20_000
_MIN_PREFIX = 3


#: A number then a word ("12 bis rue…"), or a street word: the BAN is asked before the gazetteer
#: (which would settle for the postcode or commune inside the address).
_ADDRESS = re.compile(
    r"^\s*\d+\s*(?:bis|ter|[a-d])?\b\s*,?\s*[^\d\s]|\b(?:rue|avenue|av|bd|boulevard|place|chemin|allee|impasse|"
    r"quai|route|cours|square|passage|lotissement|residence|hameau|lieu[ -]dit)\b"
)


def looks_like_address(text: str) -> bool:
    return bool(_ADDRESS.search(fold(text)))


def suggest_places(places: Gazetteer, text: str, limit: int = 5) -> list[Place]:
    """Places close to a text that resolved to nothing.

    ``suggest`` completes prefixes; a typo at the end ("Nancyy") has none, so
    shorten the text until something completes (down to three characters).
    """
    folded = fold(text)
    while len(folded) >= _MIN_PREFIX:
        found = places.suggest(folded, limit)
        if found:
            return found
        folded = folded[:-1].rstrip()
    return []


class Locator:
    """Turns a text or a point into a labelled ``Place``.

    :param places: the offline gazetteer.
    :param geocoder_url: the BAN API root (``https://api-adresse.data.gouv.fr``);
        empty: addresses are not understood, only postcodes and communes. The
        harvest's ``BanGeocoder`` asks it: one client of the BAN for the whole product.
    :param client: the HTTP client for the geocoder (tests give one).
    """

    def __init__(self, places: Gazetteer, geocoder_url: str = "", client: httpx.Client | None = None) -> None:
        self.places = places
        self.geocoder: Geocoder | None = None
        self._opened: httpx.Client | None = None  # the client this locator opened, closed by ``close``
        if geocoder_url:
            if client is None:  # a person waits for the answer: a shorter timeout than a harvest's
                client = self._opened = httpx.Client(timeout=TIMEOUT_S)
            self.geocoder = BanGeocoder(geocoder_url, client=client, cache=None, places=places)
        # Addresses the BAN placed: a results page, its map data, its next page and
        # each filter ask again for the same text. Failures are not kept (they may pass).
        self._found: OrderedDict[str, Place] = OrderedDict()
        self._lock = threading.Lock()

    def close(self) -> None:
        """Close the geocoder's HTTP client, if this locator opened it (the app does when it stops)."""
        if self._opened is not None:
            self._opened.close()

    def locate(self, text: str) -> Place:
        """The place named by ``text``.

        :raises PlaceNotFound: naming the ``lieu`` field, when nothing matches.
        """
        if looks_like_address(text):
            place = self._address(text) or self.places.resolve(text)
        else:
            place = self.places.resolve(text) or self._address(text)
        if place is None:
            raise PlaceNotFound(
                detail=f"Aucune commune, aucun code postal ni aucune adresse ne correspond à « {text} ».",
                errors=[FieldError("lieu", "Vérifiez l'orthographe ou essayez le code postal.", text)],
            )
        return place

    def point(self, lat: float, lon: float) -> Place:
        """A place for a bare point (« autour de moi »), named after the nearest commune
        when there is one within ``NAMED_WITHIN_M``."""
        commune = self.places.nearest_commune(lat, lon)
        near = (
            commune is not None
            and commune.lat is not None
            and commune.lon is not None
            and haversine_m(lat, lon, commune.lat, commune.lon) <= NAMED_WITHIN_M
        )
        label = f"votre position ({commune.nom})" if near and commune is not None else "votre position"
        return Place(label=label, lat=lat, lon=lon, kind="point", insee=None, postcode=None, departement=None)

    def suggest(self, text: str, limit: int = 5) -> list[Place]:
        return suggest_places(self.places, text, limit)

    def _address(self, text: str) -> Place | None:
        """Ask the BAN for an address (None when not configured, unsure or unreachable)."""
        if self.geocoder is None or not any(ch.isalpha() for ch in text):
            return None
        key = fold(text)
        with self._lock:
            if key in self._found:
                self._found.move_to_end(key)
                return self._found[key]
        place = self._ask_ban(text)
        if place is not None:
            with self._lock:
                self._found[key] = place
                while len(self._found) > ADDRESS_CACHE:
                    self._found.popitem(last=False)
        return place

    def _ask_ban(self, text: str) -> Place | None:
        """The geocoder's answer, only if sure enough and in France."""
        found = self.geocoder.search(text) if self.geocoder is not None else None
        if found is None or found.score < MIN_ADDRESS_SCORE or not in_france(found.latitude, found.longitude):
            return None
        return Place(
            label=(found.label or text)[:200],
            lat=found.latitude,
            lon=found.longitude,
            kind="adresse",
            insee=found.citycode,
            postcode=found.postcode,
            departement=None,
        )
