# SPDX-License-Identifier: Apache-2.0
"""Turn a record (a dict of national-standard fields) into a ``Venue``.

Lenient reader, strict result: separators, spacing, accents and phone formats
are normalised. Anything that makes the record unfit to describe a real place
in the standard's terms (identity, address, dates, lengths, markup) is an
error. What can be recovered costs the value, never the venue: a contact
detail that cannot be read (phone, e-mail, URL), a term outside its
vocabulary, a bad point are dropped with a warning naming them; invisible and
bidirectional characters are removed with a warning; doubtful values (a code
contradicting the commune, a point far from it, unparsable hours, text a
spreadsheet would run as a formula) are kept and flagged.
Every problem is returned, not just the first.
"""

from __future__ import annotations

import contextlib
import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import phonenumbers

from ._spreadsheet import phone_digits, serial_date
from ._vocabulary import Vocabulary
from .cells import runs_as_formula
from .commune_check import check_commune
from .folding import fold_key
from .hours import OpeningHours
from .legacy import is_legacy, migrate_legacy
from .problems import Problem, Severity
from .siret import is_valid_siret
from .territory import CommuneLookup, in_france
from .venue import PLACEHOLDER_PIVOT, Venue
from .vocabularies import LIST_VOCABULARIES

__all__ = ["ParseResult", "parse_venue", "clean_text", "split_items"]

_MAX_LENGTH = {
    "id": 200,
    "pivot": 14,
    "nom": 250,
    "commune": 120,
    "adresse": 250,
    "complement_adresse": 250,
    "presentation_resume": 280,
    "presentation_detail": 10_000,
    "source": 200,
    "structure_parente": 500,
    "autres_formations_labels": 1000,
    "horaires": 1000,
}
_DEFAULT_MAX = 2000
_NO_MARKUP = ("id", "nom", "commune", "adresse", "complement_adresse", "source", "structure_parente")
_MULTILINE = ("presentation_resume", "presentation_detail")
_MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z!][^>]*>|javascript:", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Characters that change how text reads without showing (« Trojan Source »: an RLO U+202E makes
# « exe.txt » look like « txt.exe »): bidirectional embeddings, overrides and isolates, marks,
# zero-width spaces and joiners, a BOM inside text. A joiner between two emoji (👩‍💻) is kept.
_INVISIBLE = re.compile(
    "[\u061c\u200b\u200c\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]"
    "|(?<![\u2600-\u27bf\ufe0f\U0001f000-\U0001faff])\u200d|\u200d(?![\u2600-\u27bf\U0001f000-\U0001faff])"
)
#: Every character _CONTROL or _INVISIBLE may remove, as one class: a text without any is left as it
#: is by both, and this search costs a tenth of theirs (most text with accents has none).
_MAY_NEED_CLEANING = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u061c\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]"
)
_PIVOT = re.compile(r"^[a-zA-Z0-9]{9,14}$")
_INSEE = re.compile(r"^([013-9]\d|2[AB1-9])\d{3}$")
_EMAIL = re.compile(
    r"^[A-Za-z0-9_][A-Za-z0-9._%+'-]*@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$"
)
#: A French number, nothing else: « 0 » or « +33 », then nine digits, the first not 0, single spaces,
#: dots or hyphens between them (_french_number).
_FRENCH_NUMBER = re.compile(r"(?:0|\+33 ?)([1-9](?:[ .-]?\d){8})", re.ASCII)
_PHONE_SEPARATOR = re.compile(r"[ .-]")
_PHONE_PREFIXES = {"33", "590", "594", "262", "596", "269", "687", "689", "508", "681"}
_PHONE_REGION = {
    "971": "GP",
    "972": "MQ",
    "973": "GF",
    "974": "RE",
    "976": "YT",
    "975": "PM",
    "977": "BL",
    "978": "MF",
    "986": "WF",
    "987": "PF",
    "988": "NC",
}


@dataclass(slots=True)
class ParseResult:
    venue: Venue | None
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.WARNING]

    @property
    def ok(self) -> bool:
        return self.venue is not None


def clean_text(value: Any, *, multiline: bool = False) -> str | None:
    """NFC-normalised text without control characters; None when empty."""
    if value is None:
        return None
    text = value if isinstance(value, str) else str(value)
    if not (text.isascii() and text.isprintable()):  # printable ASCII is NFC and has no control character
        text = unicodedata.normalize("NFC", text)
        if _MAY_NEED_CLEANING.search(text):
            text = _INVISIBLE.sub("", _CONTROL.sub("", text))
    if not multiline:
        text = " ".join(text.split())
    text = text.strip()
    return text or None


def parse_venue(
    record: Mapping[str, Any],
    *,
    places: CommuneLookup | None = None,
    today: date | None = None,
) -> ParseResult:
    """Validate and normalise one record.

    :param record: field name → value, national standard v1 or legacy v0.1.
    :param places: a gazetteer, for the postcode/INSEE/coordinates checks.
    :param today: the date "now" (runs are pure functions of their inputs).
    :returns: the venue (None when any error was found) and every problem.
    """
    if not isinstance(record, Mapping):
        return ParseResult(None, [Problem("*", "not_an_object", type(record).__name__)])
    problems: list[Problem] = []
    if is_legacy(record):
        record, notes = migrate_legacy(record)
        problems.extend(notes)
    p = _Parser(record, problems)

    values: dict[str, Any] = {}
    for name in ("id", "nom", "commune", "adresse"):
        values[name] = p.text(name, required=True)
    for name in (
        "complement_adresse",
        "presentation_resume",
        "presentation_detail",
        "source",
        "structure_parente",
        "autres_formations_labels",
    ):
        values[name] = p.text(name)
    values["pivot"] = p.pivot()
    values["code_postal"] = p.postcode(places)
    values["code_insee"] = p.insee()
    values["latitude"], values["longitude"] = p.coordinates()
    values["date_maj"] = p.date_maj(today)
    values["telephone"] = p.phone(values["code_postal"])
    values["courriels"] = p.emails()
    values["site_web"] = p.urls("site_web")
    values["fiche_acces_libre"] = next(iter(p.urls("fiche_acces_libre")), None)
    values["prise_rdv"] = next(iter(p.urls("prise_rdv")), None)
    values["horaires"] = p.hours()
    for name, (vocabulary, enforced) in LIST_VOCABULARIES.items():
        values[name] = p.terms(name, vocabulary, enforced)
    values["offres"] = _offers(record.get("offres"), problems, values)

    if places is not None and values["code_postal"]:
        check_commune(values, places, problems)

    if any(pr.severity is Severity.ERROR for pr in problems):
        return ParseResult(None, problems)
    return ParseResult(Venue(**values), problems)


def _offers(raw: Any, problems: list[Problem], values: dict[str, Any]) -> list[Any]:
    """The record's offers (``schema.offer_reading``); the venue's empty flat fields summarise them."""
    if raw is None or raw == "" or raw == []:
        return []
    from .offer import OFFER_TERMS, summarise
    from .offer_reading import read_offers  # it reads terms and texts as this module does

    offers = read_offers(raw, problems)
    summarise(values, [{name: getattr(o, name) for name in (*OFFER_TERMS, "horaires", "prise_rdv")} for o in offers])
    return offers


class _Parser:
    """Field readers sharing the record and the problem list."""

    def __init__(self, record: Mapping[str, Any], problems: list[Problem]) -> None:
        self.record = record
        self.problems = problems
        self._invisible_said: set[str] = set()

    def problem(
        self, field: str, code: str, value: Any = None, severity: Severity = Severity.ERROR, **params: Any
    ) -> None:
        self.problems.append(Problem(field, code, value, severity, tuple(params.items())))

    def raw(self, name: str) -> Any:
        value = self.record.get(name)
        if isinstance(value, str):
            if not value.strip():
                return None
            if value.isascii():  # no invisible character can hide in ASCII
                return value
        elif not isinstance(value, (list, tuple)):  # None, a number, a date: nothing to look into
            return value
        if name not in self._invisible_said and (found := _invisible_in(value)):
            self._invisible_said.add(name)
            self.problem(
                name,
                "invisible_characters",
                clean_text(str(value), multiline=True),
                Severity.WARNING,
                characters=", ".join(found),
            )
        return value

    def text(self, name: str, *, required: bool = False) -> str | None:
        raw = self.raw(name)
        if isinstance(raw, list):
            raw = ", ".join(str(v) for v in raw)
        value = clean_text(raw, multiline=name in _MULTILINE)
        if value is None:
            if required:
                self.problem(name, "required")
            return None
        limit = _MAX_LENGTH.get(name, _DEFAULT_MAX)
        if len(value) > limit:
            self.problem(name, "too_long", value, length=len(value), max=limit)
            return None
        # every match of _MARKUP has a « < » or a « : », which most names and addresses lack: a cheaper test first
        if name in _NO_MARKUP and ("<" in value or ":" in value) and _MARKUP.search(value):
            self.problem(name, "markup", value)
            return None
        if runs_as_formula(value):  # kept as typed: exports neutralise it (schema.cells)
            self.problem(
                name, "formula_text", value, Severity.WARNING, first=repr(value[0]) if value[0] in "\t\r" else value[0]
            )
        return value

    def pivot(self) -> str:
        value = clean_text(self.raw("pivot"))
        if value is None:
            self.problem("pivot", "pivot_missing", None, Severity.WARNING)
            return PLACEHOLDER_PIVOT
        value = value.replace(" ", "").replace(".", "")
        if not _PIVOT.match(value):
            # « 34106240403159/APE:8790B »: the SIRET is there, with more after it
            siret = re.match(r"(\d{14})(?!\d)", value)
            if siret is not None:
                self.problem("pivot", "pivot_trimmed", value, Severity.WARNING, fixed=siret.group(1))
                value = siret.group(1)
            else:  # an identifier is no reason to lose the venue: it is only not used to match it
                self.problem("pivot", "pattern_pivot", value, Severity.WARNING)
                return PLACEHOLDER_PIVOT
        # python-stdnum's check: Luhn, and La Poste's own rule for its establishments (SIREN 356000000).
        if len(value) == 14 and value.isdigit() and value != PLACEHOLDER_PIVOT and not is_valid_siret(value):
            self.problem("pivot", "siret_checksum", value, Severity.WARNING)
        return value

    def postcode(self, places: CommuneLookup | None) -> str | None:
        value = clean_text(self.raw("code_postal"))
        if value is None:
            self.problem("code_postal", "required")
            return None
        value = value.replace(" ", "")
        if value.endswith(".0"):  # spreadsheets turn codes into floats
            value = value[:-2]
        value = re.sub(r"(?i)cedex\s*\d*$", "", value)
        if value.isdigit() and len(value) == 4:
            fixed = "0" + value
            self.problem("code_postal", "postcode_padded", value, Severity.WARNING, fixed=fixed)
            return fixed
        if value.isdigit() and len(value) == 6 and places is not None:
            shorter = _one_digit_too_many(value, clean_text(self.raw("commune")) or "", places)
            if shorter is not None:
                self.problem("code_postal", "postcode_extra_digit", value, Severity.WARNING, fixed=shorter)
                return shorter
        if not (value.isdigit() and len(value) == 5):
            self.problem("code_postal", "pattern_postcode", value)
            return None
        return value

    def insee(self) -> str | None:
        value = clean_text(self.raw("code_insee"))
        if value is None:
            return None
        value = value.replace(" ", "").upper()
        if value.endswith(".0"):  # spreadsheets turn codes into floats, as postcodes
            value = value[:-2]
        if value.isdigit() and len(value) == 4:
            value = "0" + value
        if not _INSEE.match(value):
            self.problem("code_insee", "pattern_insee", value)
            return None
        return value

    def number(self, name: str) -> float | None:
        """A coordinate: a bad one is dropped with a warning (the venue is kept, to be geocoded
        or placed at its commune), never a reason to lose the venue."""
        raw = self.raw(name)
        if raw is None:
            return None
        if isinstance(raw, bool):
            self.problem(name, "not_a_number", raw, Severity.WARNING)
            return None
        try:
            value = float(str(raw).strip().replace(",", ".")) if not isinstance(raw, (int, float)) else float(raw)
        except ValueError:
            self.problem(name, "not_a_number", raw, Severity.WARNING)
            return None
        if value != value or value in (float("inf"), float("-inf")):
            self.problem(name, "not_a_number", raw, Severity.WARNING)
            return None
        return value

    def coordinates(self) -> tuple[float | None, float | None]:
        lat, lon = self.number("latitude"), self.number("longitude")
        if lat is None and lon is None:
            return None, None
        if lat is None or lon is None:
            self.problem("latitude" if lat is None else "longitude", "coordinates_incomplete", None, Severity.WARNING)
            return None, None
        if lat == 0 and lon == 0:
            self.problem("latitude", "coordinates_zero", f"{lat}, {lon}", Severity.WARNING)
            return None, None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            if -90 <= lon <= 90 and -180 <= lat <= 180 and in_france(lon, lat):
                self.problem("latitude", "coordinates_swapped", f"{lat}, {lon}", Severity.WARNING)
                return lon, lat
            self.problem("latitude", "coordinates_out_of_range", f"{lat}, {lon}", Severity.WARNING)
            return None, None
        if in_france(lat, lon):
            return lat, lon
        if in_france(lon, lat):
            self.problem("latitude", "coordinates_swapped", f"{lat}, {lon}", Severity.WARNING)
            return lon, lat
        if lon != 0 and in_france(lat, -lon):  # a lost minus sign (or one too many): the commune check judges it then
            self.problem(
                "longitude", "coordinates_sign_flipped", f"{lat}, {lon}", Severity.WARNING, fixed=f"{lat}, {-lon}"
            )
            return lat, -lon
        self.problem("latitude", "coordinates_outside_france", f"{lat}, {lon}", Severity.WARNING, lat=lat, lon=lon)
        return None, None

    def date_maj(self, today: date | None) -> date | None:
        raw = self.raw("date_maj")
        if raw is None:
            self.problem("date_maj", "required")
            return None
        value = _parse_date(raw)
        if value is None and (value := serial_date(raw)) is not None:  # a spreadsheet's date without its format
            self.problem("date_maj", "date_serial", raw, Severity.WARNING, fixed=value.isoformat())
        if value is None:
            self.problem("date_maj", "date", raw)
            return None
        if today is not None and value > today:
            self.problem("date_maj", "date_future", value.isoformat(), Severity.WARNING)
        return value

    def phone(self, postcode: str | None) -> str | None:
        raw = phone_digits(self.raw("telephone")) or clean_text(self.raw("telephone"))  # 478123456.0 → 0478123456
        if raw is None:
            return None
        region = _PHONE_REGION.get((postcode or "")[:3], "FR")
        number = _parse_phone(raw, region)
        if number is None:
            self.problem("telephone", "phone", raw, Severity.WARNING)
            return None
        return number

    def items(self, name: str) -> list[str]:
        raw = self.raw(name)
        return [] if raw is None else split_items(raw)

    def emails(self) -> list[str]:
        found: list[str] = []
        for item in self.items("courriels"):
            for address in re.split(r"[\s,]+", item):
                address = address.strip().strip("<>").removeprefix("mailto:")
                if not address:
                    continue
                if not _EMAIL.match(address):
                    self.problem("courriels", "email", address, Severity.WARNING)
                    continue
                local, _, domain = address.rpartition("@")
                address = f"{local}@{domain.lower()}"
                if address not in found:
                    found.append(address)
        return found

    def urls(self, name: str) -> list[str]:
        found: list[str] = []
        for item in self.items(name):
            url = _normalise_url(item)
            if url is None:
                self.problem(name, "url", item, Severity.WARNING)
            elif url not in found:
                found.append(url)
        return found

    def hours(self) -> str | None:
        value = self.text("horaires")
        if value is None:
            return None
        reason = OpeningHours.check(value)
        if reason is not None:
            self.problem("horaires", "hours", value, Severity.WARNING, reason=reason)
        return value

    def terms(self, name: str, vocabulary: type[Vocabulary], enforced: bool) -> list[Any]:
        raw = self.raw(name)
        if raw is None:
            return []
        # Files repeat the same few combinations: each is read once, as text or as a list of texts (what
        # a legacy record's lists are once migrated; split_items reads a tuple as the list it was).
        if isinstance(raw, str):
            found, problems = _read_terms(name, vocabulary, enforced, raw)
        elif isinstance(raw, (list, tuple)) and all(type(item) is str for item in raw):
            found, problems = _read_terms(name, vocabulary, enforced, tuple(raw))
        else:
            found, problems = _terms_of(name, vocabulary, enforced, split_items(raw))
        self.problems.extend(problems)
        return list(found)


def split_items(raw: Any) -> list[str]:
    """The items of a list field: a list, a JSON list in text, or text cut at « | » (else « ; » and new lines)."""
    if isinstance(raw, str) and raw.lstrip().startswith("["):
        with contextlib.suppress(ValueError):  # not JSON after all: cut as text below
            raw = json.loads(raw)
    if isinstance(raw, (list, tuple)):
        parts = [str(v) for v in raw]
    else:
        text = str(raw)
        parts = text.split("|") if "|" in text else re.split(r"[;\n]", text)
    return [t for t in (clean_text(part) for part in parts) if t]


@lru_cache(maxsize=4096)
def _read_terms(
    name: str, vocabulary: type[Vocabulary], enforced: bool, raw: str | tuple[Any, ...]
) -> tuple[tuple[Any, ...], tuple[Problem, ...]]:
    return _terms_of(name, vocabulary, enforced, split_items(raw))


def _terms_of(
    name: str, vocabulary: type[Vocabulary], enforced: bool, items: list[str]
) -> tuple[tuple[Any, ...], tuple[Problem, ...]]:
    """The vocabulary's members named by ``items`` (each once, in order) and the problems of the others."""
    found: list[Any] = []
    problems: list[Problem] = []
    for item in items:
        term = vocabulary.parse(item)
        if term is None:
            # dropped, never the row: the venue stays valid against the national schema without the term
            problems.append(
                Problem(name, "unknown_term_dropped", item, Severity.WARNING, (("vocabulary", vocabulary.title()),))
            )
        elif term not in found:
            found.append(term)
    return tuple(found), tuple(problems)


def _invisible_in(value: Any) -> list[str]:
    """The invisible characters in a text value or list, as « U+202E » (each once)."""
    texts = value if isinstance(value, (list, tuple)) else (value,)
    found = (
        m.group()
        for text in texts
        if isinstance(text, str) and not text.isascii() and _MAY_NEED_CLEANING.search(text)
        for m in _INVISIBLE.finditer(text)
    )
    return list(dict.fromkeys(f"U+{ord(ch):04X}" for ch in found))


def _parse_date(raw: Any) -> date | None:
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    text = str(raw).strip()
    if len(text) == 10 and text[4] == "-":
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%Y/%m/%d"):
        try:
            return datetime.strptime(text[:10], fmt).date()
        except ValueError:
            continue
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        return None


def _parse_phone(raw: str, region: str) -> str | None:
    """E.164 form of the first valid number in ``raw`` ("04 … / 06 …" keeps the first)."""
    number = _e164(raw, region)
    if number is not None:
        return number
    for match in phonenumbers.PhoneNumberMatcher(raw, region):
        if (number := _e164(match.raw_string, region)) is not None:
            return number
    return None


def _e164(text: str, region: str) -> str | None:
    number = _french_number(text, region)
    if number is None:
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            return None
    if phonenumbers.is_valid_number(number) and str(number.country_code) in _PHONE_PREFIXES:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return None


def _french_number(text: str, region: str) -> phonenumbers.PhoneNumber | None:
    """What ``phonenumbers.parse`` reads in « 04 78 12 34 56 » (typed in France) or « +33 4 78 12 34 56 »,
    without its cost (most of a record's phone check): country code 33 and the nine digits after
    the national prefix 0 or the +33, the only thing parse strips from such a text (France's national
    prefix for parsing is « 0 », its numbers nine digits; tests/schema check it against parse).
    None for any other text, which parse reads."""
    match = _FRENCH_NUMBER.fullmatch(text)
    if match is None or (region != "FR" and not text.startswith("+")):
        return None
    return phonenumbers.PhoneNumber(country_code=33, national_number=int(_PHONE_SEPARATOR.sub("", match[1])))


def _normalise_url(text: str) -> str | None:
    text = text.strip()
    if " " in text or _MARKUP.search(text):
        return None
    if "://" not in text:
        if not re.match(r"^(www\.)?[a-z0-9-]+(\.[a-z0-9-]+)+(/|$)", text, re.IGNORECASE):
            return None
        text = "https://" + text
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https") or "." not in parts.netloc:
        return None
    return parts._replace(scheme=parts.scheme.lower(), netloc=parts.netloc.lower()).geturl()


def _one_digit_too_many(value: str, commune: str, places: CommuneLookup) -> str | None:
    """« 380000 » in Grenoble is 38000: the five-digit code, one zero off either end, that serves the commune named."""
    name = fold_key(commune)
    for fixed in dict.fromkeys((value[:-1], value[1:])) if name else ():
        if value.replace(fixed, "", 1) == "0" and any(
            fold_key(c.nom) == name for c in places.communes_for_postcode(fixed)
        ):
            return fixed
    return None


def _infer_insee(places: CommuneLookup, postcode: str, commune: str) -> str | None:
    """The INSEE code a postcode and a commune name designate together, when only one fits.

    Real files rarely carry the INSEE code; exports by commune, matching and
    geocoding need it. Arrondissements come first among a city's communes.
    """
    candidates = places.communes_for_postcode(postcode)
    if len(candidates) == 1:
        return candidates[0].insee
    name = fold_key(commune)
    # Paris, Lyon, Marseille: the postcode names the arrondissement ("LYON", "Lyon 3e", "MARSEILLE 11").
    districts = [c for c in candidates if "arrondissement" in fold_key(c.nom)]
    if len(districts) == 1 and name.split(" ")[0] == fold_key(districts[0].nom).split(" ")[0]:
        return districts[0].insee
    named = [c for c in candidates if fold_key(c.nom) == name]
    return named[0].insee if len(named) == 1 else None
