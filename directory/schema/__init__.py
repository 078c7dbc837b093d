# SPDX-License-Identifier: Apache-2.0
"""The canonical model: venues, offers, vocabularies, opening hours, validation.

No I/O and no import from the rest of ``directory``.
"""

from ._vocabulary import Vocabulary
from .blocking import CELL_M, GENERIC_HOSTS, BlockKeys, block_keys_of, is_precise, stored_block_keys, website_host
from .cells import FORMULA_TRIGGERS, neutralise, restore
from .derived import DERIVED_VOCABULARIES, FILTER_VOCABULARIES, derived_terms
from .folding import fold, fold_key, unaccent
from .geometry import EARTH_RADIUS_M, haversine_m
from .hours import HoursError, OpeningHours, OpenState
from .legacy import is_legacy, migrate_legacy
from .normal_forms import (
    SERVICE_KEYWORDS,
    address_number,
    commune_key,
    house_numbers,
    is_town_hall,
    name_core,
    name_keywords,
    normalise_address,
    normalise_name,
    same_commune,
    street_part,
)
from .offer import OFFER_TERMS, STOP_FEATURE, Place, Stop, next_passage, offer_from_record, offer_record
from .placement import COMMUNE_CENTRE, PRECISION_CODES, Precision, ban_method, is_approximate, is_geocoded, precision
from .problems import CUT_SHORT, MESSAGES, Problem, Severity
from .territory import DEPARTEMENT_CODE, INSEE_CODE, POSTCODE, SIREN, CommuneLookup, departement_of_insee, in_france
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
from .week import DAYS, day_selector, editable_week, hhmm, merged_ranges, weekly_ranges, write_week

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
    "CUT_SHORT",
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
    "CELL_M",
    "GENERIC_HOSTS",
    "BlockKeys",
    "block_keys_of",
    "is_precise",
    "stored_block_keys",
    "website_host",
    "SERVICE_KEYWORDS",
    "address_number",
    "commune_key",
    "house_numbers",
    "is_town_hall",
    "name_core",
    "name_keywords",
    "normalise_address",
    "normalise_name",
    "same_commune",
    "street_part",
    "COMMUNE_CENTRE",
    "PRECISION_CODES",
    "Precision",
    "ban_method",
    "is_approximate",
    "is_geocoded",
    "precision",
    "DAYS",
    "day_selector",
    "editable_week",
    "hhmm",
    "merged_ranges",
    "weekly_ranges",
    "write_week",
    "DEPARTEMENT_CODE",
    "INSEE_CODE",
    "POSTCODE",
    "SIREN",
    "departement_of_insee",
    "DERIVED_VOCABULARIES",
    "FILTER_VOCABULARIES",
    "derived_terms",
    "FORMULA_TRIGGERS",
    "neutralise",
    "restore",
    "Place",
    "STOP_FEATURE",
    "Stop",
    "next_passage",
    "OFFER_TERMS",
    "offer_from_record",
    "offer_record",
]
