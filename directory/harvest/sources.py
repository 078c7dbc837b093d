# SPDX-License-Identifier: Apache-2.0
"""Source files: one TOML file per source, so that adding a commune's
spreadsheet needs a file and never code.

A source file says where the data is (``url`` or ``path``), how to read it
(``format``, ``encoding``, ``[reader]``, ``[pagination]``), how its columns
become national-standard fields (``[mapping]``, see :mod:`.mapping`), who
publishes it and how far to trust it, and carries ``[[samples]]``: raw records
with the national fields they must give, checked by :func:`check_samples`.
``docs/sources.md`` documents every key for the animators who write them.

>>> config = load_source(Path("fixtures/sources/grand-lyon.toml"))
>>> config.source_info().id
'grand-lyon'
"""

from __future__ import annotations

import codecs
import hashlib
import re
import tomllib
from collections.abc import Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import orjson
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator

from directory.schema import VENUE_FIELDS, CommuneLookup, Problem, parse_venue
from directory.store import SourceInfo

from ._samples import SampleFailure, compare_sample
from .bounds import DEFAULT_DEADLINE_S, Bounds
from .mapping import ColumnCheck, MappingError, RecordMapping
from .offer_rows import OfferRows, OfferTemplates, compile_offers, with_offers
from .readers import READERS, Reader, ReadError, reader_for

__all__ = [
    "REVIEW_TRUST",
    "Pagination",
    "Sample",
    "SampleFailure",
    "SourceConfig",
    "SourceConfigError",
    "check_samples",
    "load_source",
    "load_sources",
    "parse_interval",
    "parse_size",
]

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_INTERVAL = re.compile(r"^\s*(\d+)\s*(min|m|h|d|j|w|sem)\s*$", re.IGNORECASE)
_UNITS = {"min": "minutes", "m": "minutes", "h": "hours", "d": "days", "j": "days", "w": "weeks", "sem": "weeks"}
_SIZE = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*(o|b|ko|kb|mo|mb|go|gb)?\s*$", re.IGNORECASE)
_SIZE_UNITS = {"o": 1, "b": 1, "ko": 1_000, "kb": 1_000, "mo": 1_000_000, "mb": 1_000_000, "go": 10**9, "gb": 10**9}
#: Largest body fetched for a source unless its file says otherwise (``max_size``).
DEFAULT_MAX_SIZE = 20_000_000
#: A source trusted less than this has its new venues reviewed by a person before they are published,
#: unless its file says otherwise (``review_new``): a low trust says its records are often wrong, and a
#: wrong new venue is worse than a wrong field of a known one (nobody has looked at it yet).
REVIEW_TRUST = 40
#: Settings that change nothing in what the records give (see ``SourceConfig.fingerprint``).
_COSMETIC = frozenset(
    {
        "name",
        "description",
        "interval",
        "enabled",
        "samples",
        "allowed_hosts",
        "deadline",
        "withdraw_limit",
        "url",  # where the data is, not how to read it: its content says whether it changed
        "path",
    }
)
_JSON_FORMATS = {"json", "national-json", "table-json", "geojson", "dinclusion"}
_HOST = re.compile(r"^(?:\[[0-9a-f:.]+\]|[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?)(?::\d{1,5})?$")
_DEADLINE = re.compile(r"^\s*(\d+)\s*(s|sec|min|m|h)\s*$", re.IGNORECASE)


class SourceConfigError(ValueError):
    """A source file that cannot be used. ``problems`` are French sentences,
    each naming the file and the field; ``str()`` lists them all."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


def parse_interval(text: str) -> timedelta:
    """``"6h"``, ``"1d"`` (or ``"1j"``), ``"7d"``, ``"2w"``, ``"30min"`` → timedelta."""
    match = _INTERVAL.match(str(text))
    if match is None or int(match.group(1)) == 0:
        raise ValueError(f'intervalle « {text} » illisible : écrire par exemple "6h", "1d" ou "7d"')
    return timedelta(**{_UNITS[match.group(2).lower()]: int(match.group(1))})


def parse_size(text: str | int) -> int:
    """``"20MB"`` (or ``"20 Mo"``), ``"500ko"``, ``"1GB"``, a number of bytes → bytes."""
    if isinstance(text, int) and not isinstance(text, bool):
        size = text
    else:
        match = _SIZE.match(str(text))
        if match is None:
            raise ValueError(f'taille « {text} » illisible : écrire par exemple "20MB", "500ko" ou "1GB"')
        size = int(float(match.group(1).replace(",", ".")) * _SIZE_UNITS[(match.group(2) or "o").lower()])
    if size <= 0:
        raise ValueError(f"taille « {text} » : attendu une taille positive")
    return size


class Pagination(BaseModel):
    """How a JSON API spreads its records over pages."""

    model_config = ConfigDict(extra="forbid")

    items: str | None = None  # dotted path to the list in each page (also for one-page files)
    next: str | None = None  # dotted path to the next page's URL
    page_param: str | None = None  # query parameter carrying the page number
    page_size_param: str | None = None
    page_size: int | None = Field(default=None, gt=0)
    first_page: int = 1

    @model_validator(mode="after")
    def _one_way(self) -> Pagination:
        if self.next and self.page_param:
            raise ValueError(
                "« next » et « page_param » s'excluent : une API donne l'adresse de la page suivante, ou un numéro de page"
            )
        if (self.page_size_param or self.page_size) and not self.page_param:
            raise ValueError("« page_size_param » et « page_size » vont avec « page_param »")
        if bool(self.page_size_param) != bool(self.page_size):
            raise ValueError("« page_size_param » et « page_size » vont ensemble")
        return self

    def next_url(self, document: Any, url: str, page: int, count: int) -> str | None:
        """The URL of the page after ``url`` (page number ``page``, which gave
        ``count`` records), or None when this was the last one."""
        if self.next:
            from .mapping import resolve

            link = resolve(document, self.next)
            return urljoin(url, link) if isinstance(link, str) and link.strip() else None
        if not self.page_param or count == 0 or (self.page_size and count < self.page_size):
            return None
        return _with_query(url, {self.page_param: str(page + 1)})

    def first_url(self, url: str) -> str:
        if not self.page_param:
            return url
        query = {self.page_param: str(self.first_page)}
        if self.page_size_param and self.page_size:
            query[self.page_size_param] = str(self.page_size)
        return _with_query(url, query)


def _with_query(url: str, values: dict[str, str]) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    query.update(values)
    return urlunsplit(parts._replace(query=urlencode(query)))


class Sample(BaseModel):
    """A raw record of the source and national fields it must give."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = None
    input: dict[str, Any]
    expected: dict[str, Any]

    @field_validator("expected")
    @classmethod
    def _national(cls, value: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(value) - set(VENUE_FIELDS))
        if unknown:
            raise ValueError(f"« {unknown[0]} » n'est pas un champ du standard national")
        if not value:
            raise ValueError("indiquer au moins un champ attendu")
        return value


class SourceConfig(BaseModel):
    """One source, as its TOML file describes it (validated)."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    id: str = Field(min_length=1, max_length=80)
    name: str = Field(min_length=1, max_length=200)
    publisher: str = Field(min_length=1, max_length=200)
    kind: Literal["commune", "association", "network", "instance", "file"]
    url: str | None = None
    path: str | None = None
    format: str
    encoding: str = "auto"
    licence: str = Field(min_length=1)
    trust: int = Field(default=50, ge=0, le=100)
    review_new: bool | None = Field(default=None, strict=True)  # None: when trust < REVIEW_TRUST (reviews_new)
    #: The share of the source's records a complete run may withdraw without a person confirming it.
    withdraw_limit: float = Field(default=0.2, ge=0, le=1)
    interval: timedelta = timedelta(days=1)
    max_size: int = DEFAULT_MAX_SIZE  # bytes; the TOML says "200MB"
    deadline: timedelta = timedelta(seconds=DEFAULT_DEADLINE_S)  # the whole fetch; the TOML says "5min"
    allowed_hosts: list[str] = Field(default_factory=list)  # where redirects and pages may go beside url's host
    enabled: bool = True
    origin: str | None = None
    description: str | None = None
    reader: dict[str, Any] = Field(default_factory=dict)
    pagination: Pagination | None = None
    mapping: RecordMapping | None = None
    offers: OfferRows | OfferTemplates | None = None  # [offers] or [[offers]] (``offer_rows``)
    samples: list[Sample] = Field(default_factory=list)

    _file: Path | None = PrivateAttr(default=None)
    _fingerprint: str | None = PrivateAttr(default=None)

    @model_validator(mode="wrap")
    @classmethod
    def _remember_input(cls, data: Any, handler: Any) -> SourceConfig:
        config = handler(data)
        if isinstance(data, Mapping):
            what_shapes_records = {k: v for k, v in data.items() if k not in _COSMETIC}
            config._fingerprint = hashlib.sha256(
                orjson.dumps(what_shapes_records, option=orjson.OPT_SORT_KEYS, default=str)
            ).hexdigest()
        return config

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not _SLUG.match(value):
            raise ValueError(
                f"« {value} » n'est pas un identifiant court : minuscules, chiffres et tirets (ex. « grand-lyon »)"
            )
        return value

    @field_validator("url")
    @classmethod
    def _http(cls, value: str | None) -> str | None:
        if value is not None and urlsplit(value).scheme not in ("http", "https"):
            raise ValueError(f"« {value} » n'est pas une adresse web http(s) ; pour un fichier local, écrire path = …")
        return value

    @field_validator("format")
    @classmethod
    def _known_format(cls, value: str) -> str:
        if value not in READERS:
            raise ValueError(f"format inconnu « {value} » (formats connus : {', '.join(READERS)})")
        return value

    @field_validator("encoding")
    @classmethod
    def _codec(cls, value: str) -> str:
        if value != "auto":
            try:
                codecs.lookup(value)
            except LookupError:
                raise ValueError(f'encodage inconnu « {value} » (écrire "auto", "utf-8", "cp1252"…)') from None
        return value

    @field_validator("interval", mode="before")
    @classmethod
    def _interval(cls, value: Any) -> timedelta:
        if isinstance(value, timedelta):
            return value
        if not isinstance(value, str):
            raise ValueError('attendu un texte comme "6h", "1d" ou "7d"')
        return parse_interval(value)

    @field_validator("max_size", mode="before")
    @classmethod
    def _max_size(cls, value: Any) -> int:
        return parse_size(value)

    @field_validator("deadline", mode="before")
    @classmethod
    def _deadline(cls, value: Any) -> timedelta:
        if isinstance(value, timedelta):
            return value
        match = _DEADLINE.match(value) if isinstance(value, str) else None
        if match is None or int(match.group(1)) == 0:
            raise ValueError(f'durée « {value} » illisible : écrire par exemple "30s", "5min" ou "1h"')
        unit = {"s": "seconds", "sec": "seconds", "min": "minutes", "m": "minutes", "h": "hours"}[
            match.group(2).lower()
        ]
        return timedelta(**{unit: int(match.group(1))})

    @field_validator("allowed_hosts")
    @classmethod
    def _hosts(cls, value: list[str]) -> list[str]:
        for host in value:
            if not _HOST.match(host.strip().lower()):
                raise ValueError(
                    f"« {host} » n'est pas un hôte : écrire seulement le nom de la machine, et son port s'il "
                    'le faut, par exemple "cdn.exemple.fr" ou "api.exemple.fr:8443"'
                )
        return [host.strip().lower() for host in value]

    @field_validator("mapping", mode="before")
    @classmethod
    def _mapping(cls, value: Any) -> RecordMapping | None:
        if value is None or isinstance(value, RecordMapping):
            return value
        try:
            return RecordMapping.from_table(value)
        except MappingError as err:
            raise ValueError(str(err).removeprefix("mapping.").removeprefix("mapping : ")) from err

    @field_validator("offers", mode="before")
    @classmethod
    def _offers(cls, value: Any) -> OfferRows | OfferTemplates | None:
        return compile_offers(value)

    @model_validator(mode="after")
    def _consistent(self) -> SourceConfig:
        if (self.url is None) == (self.path is None):
            raise ValueError("indiquer soit « url » (une adresse web), soit « path » (un fichier), et un seul des deux")
        if self.allowed_hosts and self.path is not None:
            raise ValueError(
                "« allowed_hosts » ne vaut que pour une source web (« url ») : une source locale lit son dossier"
            )
        allowed = getattr(READERS[self.format], "options", ())
        unknown = sorted(set(self.reader) - set(allowed))
        if unknown:
            accepted = f"options possibles : {', '.join(allowed)}" if allowed else "ce format n'en a aucune"
            raise ValueError(
                f"[reader] : option « {unknown[0]} » inconnue pour le format « {self.format} » ({accepted})"
            )
        try:
            READERS[self.format](**self.reader)
        except ReadError as err:
            raise ValueError(f"[reader] : {err}") from err
        if self.pagination is not None and self.format not in _JSON_FORMATS:
            raise ValueError(f"[pagination] ne vaut que pour les formats JSON, pas pour « {self.format} »")
        if self.pagination is not None and self.pagination.items and "items" not in allowed:
            raise ValueError(
                f"[pagination] items : le format « {self.format} » trouve ses enregistrements seul, utiliser « table-json »"
            )
        return self

    # ------------------------------------------------------------ behaviour

    @property
    def fingerprint(self) -> str | None:
        """A hash of what the source file says about reading and weighing records (its name,
        interval, description and samples aside): when it changes, the next run reads the whole
        source again and recomputes its venues. None for a configuration not built from a table."""
        return self._fingerprint

    @property
    def reviews_new(self) -> bool:
        """The venues this source creates wait for a person (« Publier » / « Refuser ») before they
        are published: ``review_new`` when the file says, else whether ``trust`` is below
        :data:`REVIEW_TRUST`. Records it attaches to known venues are never held back: a person
        sees them through those venues' history and the proposals on the fields they keep."""
        return self.review_new if self.review_new is not None else self.trust < REVIEW_TRUST

    @property
    def file(self) -> Path | None:
        """The TOML file this configuration was read from."""
        return self._file

    def reading(self, path: Path, format: str | None = None) -> SourceConfig:
        """This source reading the file ``path`` instead of its own (``directory import FILE
        --source ID``): the same settings, trust and mapping, in ``format`` if given.

        :raises ReadError: an unknown ``format``.
        """
        if format is not None:
            reader_for(path, format)
        update: dict[str, Any] = {"path": str(path.resolve()), "url": None, "allowed_hosts": [], "pagination": None}
        return self.model_copy(update={**update, "format": format or self.format})

    def location(self, base: str | Path | None = None) -> str:
        """The URL, or the absolute path of the data file (``path`` is relative
        to ``base``, by default the folder of the source file)."""
        if self.url is not None:
            return self.url
        assert self.path is not None
        folder = Path(base) if base is not None else (self._file.parent if self._file else Path.cwd())
        return str((folder / self.path).resolve())

    def bounds(self) -> Bounds:
        """Where this source's fetch may go (its host and ``allowed_hosts``, or the folder of its file)
        and until when: its ``deadline`` starts now."""
        return Bounds.of(
            self.location(),
            local=self.path is not None,
            allowed_hosts=tuple(self.allowed_hosts),
            deadline_s=self.deadline.total_seconds(),
        )

    def source_info(self) -> SourceInfo:
        """What the store records about this source."""
        location = self.location()
        url = location if self.url is not None else Path(location).as_uri()
        return SourceInfo(
            id=self.id,
            name=self.name,
            kind=self.kind,
            publisher=self.publisher,
            url=url,
            format=self.format,
            licence=self.licence,
            trust=self.trust,
        )

    def make_reader(self) -> Reader:
        """A reader for this source's format, with its ``[reader]`` options."""
        options = dict(self.reader)
        if self.pagination is not None and self.pagination.items:
            options.setdefault("items", self.pagination.items)
        return READERS[self.format](**options)

    def column_check(self) -> ColumnCheck | None:
        """What follows, record by record, the columns the ``[mapping]`` reads and the file lacks."""
        if self.mapping is None:
            return None
        return ColumnCheck(self.mapping, header_row="header_row" in getattr(READERS[self.format], "options", ()))

    def map(self, raw: Mapping[str, Any], *, today: date | None = None) -> tuple[dict[str, Any], list[Problem]]:
        """The national record for one raw record (unchanged when there is no ``[mapping]``), with the
        offers of its rows when the source has ``[offers]``."""
        mapped, problems = (dict(raw), []) if self.mapping is None else self.mapping.apply(raw, today=today)
        return with_offers(self.offers, raw, mapped, problems, today=today)


def load_source(path: str | Path) -> SourceConfig:
    """Read and validate one source file.

    :raises SourceConfigError: with every problem found, in French, each
        naming the file and the field.
    """
    path = Path(path)
    name = path.name
    try:
        with path.open("rb") as handle:
            table = tomllib.load(handle)
    except OSError as err:
        raise SourceConfigError([f"{name} : fichier illisible ({err.strerror})"]) from err
    except tomllib.TOMLDecodeError as err:
        raise SourceConfigError([f"{name} : syntaxe TOML invalide{_toml_where(str(err))}"]) from err
    try:
        config = SourceConfig.model_validate(table)
    except ValidationError as err:
        raise SourceConfigError([f"{name} : {_french(e)}" for e in err.errors()]) from err
    config._file = path.resolve()
    return config


def load_sources(folder: str | Path) -> list[SourceConfig]:
    """Every ``*.toml`` source file of ``folder``, sorted by id.

    :raises SourceConfigError: listing the problems of every invalid file, and
        ids used by two files.
    """
    problems: list[str] = []
    configs: list[SourceConfig] = []
    for path in sorted(Path(folder).glob("*.toml")):
        try:
            configs.append(load_source(path))
        except SourceConfigError as err:
            problems.extend(err.problems)
    seen: dict[str, SourceConfig] = {}
    for config in configs:
        if config.id in seen:
            first = seen[config.id].file
            problems.append(
                f"{config.file.name if config.file else '?'} : champ « id » : l'identifiant « {config.id} » "
                f"est déjà celui de {first.name if first else '?'}"
            )
        seen.setdefault(config.id, config)
    if problems:
        raise SourceConfigError(problems)
    return sorted(configs, key=lambda c: c.id)


def check_samples(
    config: SourceConfig, *, places: CommuneLookup | None = None, today: date | None = None
) -> list[SampleFailure]:
    """Run every ``[[samples]]`` input through the mapping and ``parse_venue``;
    an empty list means every sample gives what it expects."""
    failures: list[SampleFailure] = []
    for number, sample in enumerate(config.samples, start=1):
        record, mapping_problems = config.map(sample.input, today=today)
        result = parse_venue(record, places=places, today=today)
        failures.extend(compare_sample(config.id, number, sample.expected, result, mapping_problems))
    return failures


_FRENCH = {
    "missing": "champ obligatoire absent du fichier",
    "extra_forbidden": "clé inconnue (faute de frappe ?)",
    "string_type": "attendu un texte entre guillemets",
    "int_type": "attendu un nombre entier",
    "int_parsing": "attendu un nombre entier",
    "int_from_float": "attendu un nombre entier",
    "bool_type": "attendu true ou false",
    "bool_parsing": "attendu true ou false",
    "dict_type": "attendu une table",
    "list_type": "attendu une liste",
    "model_type": "attendu une table",
    "string_too_short": "ne doit pas être vide",
    "string_too_long": "texte trop long",
}


def _french(error: Mapping[str, Any]) -> str:
    location = ".".join(str(part) for part in error["loc"])
    kind, context = error["type"], error.get("ctx") or {}
    if kind == "value_error":
        message = str(context.get("error", error["msg"])).removeprefix("Value error, ")
    elif kind == "literal_error":
        expected = str(context.get("expected", "")).replace("'", "").replace(" or ", " ou ")
        message = f"valeur « {error.get('input')} » inconnue (valeurs possibles : {expected})"
    elif kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        message = {
            "trust": "la confiance est un nombre entre 0 et 100",
        }.get(location, f"valeur hors limites ({error['msg']})")
    else:
        message = _FRENCH.get(kind, error["msg"])
    if not location:
        return message
    if location.startswith("samples.") and location.count(".") >= 1:
        parts = location.split(".")
        location = f"[[samples]] n° {int(parts[1]) + 1}" + (f", {'.'.join(parts[2:])}" if len(parts) > 2 else "")
        return f"{location} : {message}"
    if location == "mapping":
        return f"[mapping] : {message}"
    return f"champ « {location} » : {message}"


def _toml_where(message: str) -> str:
    match = re.search(r"line (\d+), column (\d+)", message)
    if match is None:
        return f" ({message})"
    return f" ligne {match.group(1)}, colonne {match.group(2)} : vérifier les guillemets, les « = » et les crochets"
