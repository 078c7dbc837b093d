# SPDX-License-Identifier: Apache-2.0
"""The canonical model: venues, offers, vocabularies, opening hours, validation.

No I/O and no import from the rest of ``directory``.
"""

from ._vocabulary import Vocabulary
from .folding import fold, fold_key, unaccent
from .geometry import EARTH_RADIUS_M, haversine_m
from .hours import HoursError, OpeningHours, OpenState
from .legacy import is_legacy, migrate_legacy
from .problems import MESSAGES, Problem, Severity
from .territory import CommuneLookup, in_france
from .validation import ParseResult, clean_text, parse_venue, split_items
from .venue import NATIONAL_FIELDS, PLACEHOLDER_PIVOT, VENUE_FIELDS, Offer, Venue
from .vocabularies import (
    LIST_FIELDS,
    LIST_VOCABULARIES,
    TEXT_LIST_FIELDS,
    ConditionFrais,
    DispositifProgramme,
    FormationLabel,
    Frais,
    Itinerance,
    ModaliteAcces,
    ModaliteAccompagnement,
    PriseEnCharge,
    Public,
    Service,
    Typologie,
)

__all__ = [
    "ConditionFrais",
    "CommuneLookup",
    "EARTH_RADIUS_M",
    "DispositifProgramme",
    "FormationLabel",
    "Frais",
    "LIST_FIELDS",
    "HoursError",
    "Itinerance",
    "LIST_VOCABULARIES",
    "MESSAGES",
    "ModaliteAcces",
    "ModaliteAccompagnement",
    "NATIONAL_FIELDS",
    "Offer",
    "OpenState",
    "OpeningHours",
    "PLACEHOLDER_PIVOT",
    "ParseResult",
    "PriseEnCharge",
    "Problem",
    "Public",
    "Service",
    "Severity",
    "TEXT_LIST_FIELDS",
    "Typologie",
    "VENUE_FIELDS",
    "Venue",
    "Vocabulary",
    "clean_text",
    "fold",
    "fold_key",
    "haversine_m",
    "in_france",
    "is_legacy",
    "migrate_legacy",
    "parse_venue",
    "split_items",
    "unaccent",
]
