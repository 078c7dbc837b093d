# SPDX-License-Identifier: Apache-2.0
"""The offline gazetteer: communes, postcodes, codes, nearest commune (names: ``_names.py``).

Data comes from ``data/communes.csv.gz`` and ``data/postcodes.csv.gz``, built
by ``scripts/build_places.py`` (see ``data/README.md`` for sources and
licences). Nothing here touches the network.
"""

from __future__ import annotations

import csv
import gzip
import io
import math
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

from directory.schema import haversine_m

from ._names import NameIndex

__all__ = ["Commune", "Gazetteer", "Place", "Postcode", "load_gazetteer"]

KIND_COMMUNE = "commune"
KIND_ARRONDISSEMENT = "arrondissement"
KIND_DELEGUEE = "deleguee"
KIND_ASSOCIEE = "associee"
_CSV_KINDS = {
    "actuelle": KIND_COMMUNE,
    "arrondissement": KIND_ARRONDISSEMENT,
    "deleguee": KIND_DELEGUEE,
    "associee": KIND_ASSOCIEE,
}


@dataclass(frozen=True, slots=True)
class Commune:
    """A commune of INSEE's Code officiel géographique.

    ``kind`` is ``"commune"`` for a current commune, ``"arrondissement"`` for a
    municipal arrondissement of Paris, Lyon or Marseille (``parent`` is then the
    city's code), ``"deleguee"`` or ``"associee"`` for a former commune merged
    into ``parent``. ``epci`` is the SIREN of the intercommunality (the parent's
    for arrondissements and déléguées). ``lat``/``lon`` is a representative
    point (GeoNames), ``None`` for the few territories GeoNames lacks.
    """

    insee: str
    nom: str
    kind: str
    departement: str
    region: str | None
    epci: str | None
    parent: str | None
    postcodes: tuple[str, ...]
    population: int | None
    lat: float | None
    lon: float | None


@dataclass(frozen=True, slots=True)
class Place:
    """What a resident's text resolves to: a labelled point.

    ``label`` is shown back in French, e.g. ``"Lyon 3e Arrondissement (69003)"``
    or ``"Nancy (54000)"``. ``kind`` is ``"postcode"`` when the text was a
    postcode, ``"commune"`` when it named a commune.
    """

    label: str
    lat: float
    lon: float
    kind: str
    insee: str | None
    postcode: str | None
    departement: str | None


@dataclass(frozen=True, slots=True)
class Postcode:
    """One postcode: its point, GeoNames place name and the communes it serves.

    ``is_cedex`` marks codes that are not ordinary distribution codes of the
    official list (CEDEX, military ``SP``…); their ``insee`` codes are inferred
    from the GeoNames place name, or failing that the nearest commune.
    """

    code: str
    lat: float | None
    lon: float | None
    name: str
    is_cedex: bool
    insee: tuple[str, ...]
    departement: str | None


_POSTCODE_RE = re.compile(r"^\d{5}$")
_CELL_DEG = 0.1
_MAX_RING = 30
_KM_PER_DEG = 111.195


def _normalize_postcode(text: str) -> str:
    return "".join(text.split())


# Column positions in the packaged CSV files (see scripts/build_places.py).
_C_INSEE, _C_NOM, _C_TYPE, _C_PARENT, _C_DEP, _C_REGION, _C_EPCI, _C_PCS, _C_POP, _C_LAT, _C_LON, _C_FORMER = range(12)
_P_CODE, _P_LAT, _P_LON, _P_NAME, _P_CEDEX, _P_INSEE, _P_DEP = range(7)
_MAIN_TYPES = ("actuelle", "arrondissement")


class Gazetteer(NameIndex):
    """French communes and postcodes, queried offline.

    Use :func:`load_gazetteer`, which builds one over the packaged data once.
    The constructor takes the rows of ``communes.csv.gz`` and
    ``postcodes.csv.gz`` (header excluded, columns as written by
    ``scripts/build_places.py``); :class:`Commune` and :class:`Postcode`
    objects are made on demand and cached, which keeps loading fast.
    """

    def __init__(self, commune_rows: Iterable[Sequence[str]], postcode_rows: Iterable[Sequence[str]]):
        # Rows and indexes are tuples: the garbage collector stops looking at a tuple of strings or
        # numbers, and the lists of a whole gazetteer made each full collection of a harvest's
        # processes (which collect often) ten times longer.
        rows = [tuple(r) for r in commune_rows]
        # rank order: current communes and arrondissements by decreasing
        # population, then déléguées/associées; suggestions and ambiguous
        # names are answered in this order.
        rows.sort(key=lambda r: (r[_C_TYPE] not in _MAIN_TYPES, -int(r[_C_POP] or 0), r[_C_INSEE]))
        self._rows = rows
        self._objects: dict[int, Commune] = {}
        self._main: dict[str, int] = {}
        secondary: dict[str, list[int]] = {}
        self._children: dict[str, list[str]] = {}
        self._by_epci: dict[str, tuple[str, ...]] | None = None  # built on first use
        for i, r in enumerate(rows):
            if r[_C_TYPE] in _MAIN_TYPES:
                self._main[r[_C_INSEE]] = i
                if r[_C_TYPE] == "arrondissement":
                    self._children.setdefault(r[_C_PARENT], []).append(r[_C_INSEE])
            else:
                secondary.setdefault(r[_C_INSEE], []).append(i)
        self._secondary = {code: tuple(found) for code, found in secondary.items()}
        self._former: dict[str, str] = {}
        for r in rows:
            if r[_C_FORMER] and r[_C_TYPE] == "actuelle":
                for code in r[_C_FORMER].split():
                    if code not in self._main:
                        self._former.setdefault(code, r[_C_INSEE])
        self._departements = frozenset(r[_C_DEP] for r in rows)
        self._pc_rows = {r[_P_CODE]: tuple(r) for r in postcode_rows}
        self._pc_objects: dict[str, Postcode] = {}
        self._communes_by_postcode: dict[str, tuple[Commune, ...]] = {}
        self._regular_codes = sorted(c for c, r in self._pc_rows.items() if r[_P_CEDEX] != "1")
        self._cedex_codes = sorted(c for c, r in self._pc_rows.items() if r[_P_CEDEX] == "1")
        self._suggest_cache: dict[str, list[int]] = {}
        self._points: dict[str, tuple[float, float] | None] = {}  # INSEE code → commune's point
        # The name and grid indexes are built on first use (under a lock, for
        # threaded servers): validation needs neither, and loading stays fast.
        self._lock = threading.Lock()
        self._names_ready = False
        self._grid_ready = False
        self._by_key: dict[str, tuple[int, ...]] = {}
        self._prefix_keys: list[str] = []
        self._prefix_ids: list[int] = []
        self._grid: dict[tuple[int, int], tuple[tuple[float, float, int], ...]] = {}
        self._grid_all: list[tuple[float, float, int]] = []

    def warm_up(self) -> None:
        """Build the name and grid indexes now rather than on first query."""
        self._ensure_names()
        self._ensure_grid()

    def _ensure_grid(self) -> None:
        if not self._grid_ready:
            with self._lock:
                if not self._grid_ready:
                    self._build_grid()
                    self._grid_ready = True

    # ------------------------------------------------------------------ index
    def _build_grid(self) -> None:
        grid: dict[tuple[int, int], list[tuple[float, float, int]]] = {}
        everything: list[tuple[float, float, int]] = []
        children = self._children
        for i in self._main.values():
            r = self._rows[i]
            if not r[_C_LAT] or r[_C_INSEE] in children:
                continue
            lat, lon = float(r[_C_LAT]), float(r[_C_LON])
            item = (lat, lon, i)
            grid.setdefault((int(lat // _CELL_DEG), int(lon // _CELL_DEG)), []).append(item)
            everything.append(item)
        self._grid_all = everything
        self._grid = {cell: tuple(items) for cell, items in grid.items()}

    def _at(self, i: int) -> Commune:
        c = self._objects.get(i)
        if c is None:
            r = self._rows[i]
            c = Commune(
                insee=r[_C_INSEE],
                nom=r[_C_NOM],
                kind=_CSV_KINDS[r[_C_TYPE]],
                departement=r[_C_DEP],
                region=r[_C_REGION] or None,
                epci=r[_C_EPCI] or None,
                parent=r[_C_PARENT] or None,
                postcodes=tuple(r[_C_PCS].split()),
                population=int(r[_C_POP]) if r[_C_POP] else None,
                lat=float(r[_C_LAT]) if r[_C_LAT] else None,
                lon=float(r[_C_LON]) if r[_C_LON] else None,
            )
            self._objects[i] = c
        return c

    # ---------------------------------------------------------------- lookups
    def commune(self, insee: str) -> Commune | None:
        """The commune with this INSEE code, or ``None``.

        Current communes and arrondissements come first; a code only used by a
        commune déléguée/associée returns that; a former code (merged or
        renumbered commune) returns the current commune that absorbed it.
        """
        code = insee.strip().upper()
        i = self._main.get(code)
        if i is None:
            sec = self._secondary.get(code)
            if sec:
                i = sec[0]
            else:
                new = self._former.get(code)
                i = self._main.get(new) if new else None
        return None if i is None else self._at(i)

    def arrondissements_of(self, insee: str) -> tuple[str, ...]:
        """The INSEE codes of a city's municipal arrondissements (Paris, Lyon,
        Marseille); empty for any other commune."""
        return tuple(sorted(set(self._children.get(insee.strip().upper(), ()))))

    def communes_of_epci(self, siren: str) -> tuple[str, ...]:
        """Every INSEE code in an intercommunality: its communes, their
        arrondissements and former (delegated, associated) communes. Empty when
        the SIREN names none."""
        if self._by_epci is None:
            with self._lock:
                if self._by_epci is None:
                    by_epci: dict[str, set[str]] = {}
                    for code in [*self._main, *self._secondary]:
                        commune = self.commune(code)
                        if commune is not None and commune.epci:
                            by_epci.setdefault(commune.epci, set()).add(code)
                    self._by_epci = {k: tuple(sorted(v)) for k, v in by_epci.items()}
        return self._by_epci.get(siren.strip(), ())

    def _main_commune(self, insee: str) -> Commune | None:
        i = self._main.get(insee)
        return None if i is None else self._at(i)

    def postcode(self, postcode: str) -> Postcode | None:
        """Everything known about a postcode, or ``None`` if unknown."""
        code = _normalize_postcode(postcode)
        p = self._pc_objects.get(code)
        if p is None:
            r = self._pc_rows.get(code)
            if r is None:
                return None
            p = Postcode(
                code=code,
                lat=float(r[_P_LAT]) if r[_P_LAT] else None,
                lon=float(r[_P_LON]) if r[_P_LON] else None,
                name=r[_P_NAME],
                is_cedex=r[_P_CEDEX] == "1",
                insee=tuple(r[_P_INSEE].split()),
                departement=r[_P_DEP] or None,
            )
            self._pc_objects[code] = p
        return p

    def communes_for_postcode(self, postcode: str) -> list[Commune]:
        """Communes served by a postcode: arrondissements first, then by population.

        For Paris, Lyon and Marseille both the arrondissement and the city are
        returned. CEDEX codes resolve through the communes inferred at build
        time from their GeoNames place name; unknown codes give ``[]``.
        """
        found = self._communes_by_postcode.get(postcode)
        if found is None:
            info = self.postcode(postcode)
            found = () if info is None else tuple(c for c in map(self._main_commune, info.insee) if c is not None)
            self._communes_by_postcode[postcode] = found
        return list(found)

    def postcode_point(self, postcode: str) -> tuple[float, float] | None:
        """``(lat, lon)`` of a postcode, or ``None`` if unknown."""
        info = self.postcode(postcode)
        if info is None or info.lat is None or info.lon is None:
            return None
        return (info.lat, info.lon)

    def is_known_postcode(self, postcode: str) -> bool:
        """Whether the postcode exists, ordinary or CEDEX."""
        return _normalize_postcode(postcode) in self._pc_rows

    def postcode_matches_insee(self, postcode: str, insee: str) -> bool:
        """Whether a venue's postcode and INSEE code agree.

        True when the postcode serves the commune, and also for: the city code
        of Paris/Lyon/Marseille with any of its arrondissements' postcodes; a
        commune déléguée or associée (or a former code) with a postcode of the
        commune nouvelle; a CEDEX code inferred to belong to the commune;
        overseas codes (97x/98x) as listed. An arrondissement code only agrees
        with its own postcodes.
        """
        info = self.postcode(postcode)
        if info is None:
            return False
        code = insee.strip().upper()
        targets = {code}
        c = self.commune(code)
        if c is not None:
            targets.add(c.insee)
            if c.kind in (KIND_DELEGUEE, KIND_ASSOCIEE) and c.parent:
                targets.add(c.parent)
            targets.update(self._children.get(c.insee, ()))
        for i in self._secondary.get(code, ()):
            if self._rows[i][_C_PARENT]:
                targets.add(self._rows[i][_C_PARENT])
        return not targets.isdisjoint(info.insee)

    def departement_of_postcode(self, postcode: str) -> str | None:
        """Département code of a postcode (``"54"``, ``"2A"``, ``"974"``, ``"988"``).

        Known postcodes answer from the data (so ``97133`` is Saint-Barthélemy,
        ``977``); other five-digit codes from their digits (``20xxx`` below
        ``20200`` is Corse-du-Sud). ``None`` for malformed or foreign codes
        (``98000`` is Monaco).
        """
        code = _normalize_postcode(postcode)
        r = self._pc_rows.get(code)
        if r is not None and r[_P_DEP]:
            return r[_P_DEP]
        if not _POSTCODE_RE.match(code):
            return None
        if code.startswith("20"):
            return "2A" if int(code) < 20200 else "2B"
        dep = code[:3] if code.startswith(("97", "98")) else code[:2]
        return dep if dep in self._departements else None

    # ------------------------------------------------------------- resolution
    def _commune_point(self, c: Commune) -> tuple[float, float] | None:
        if c.lat is not None and c.lon is not None:
            return (c.lat, c.lon)
        parent = self._main_commune(c.parent or "")
        if parent is not None and parent.lat is not None and parent.lon is not None:
            return (parent.lat, parent.lon)
        return None

    def _commune_place(self, c: Commune, postcode: str | None = None) -> Place | None:
        point = self._commune_point(c)
        if point is None:
            return None
        if postcode is None:
            if c.insee in self._children or not c.postcodes:
                shown = c.departement
            else:
                shown = c.postcodes[0]
                postcode = shown
        else:
            shown = postcode
        return Place(
            label=f"{c.nom} ({shown})",
            lat=point[0],
            lon=point[1],
            kind="commune",
            insee=c.insee,
            postcode=postcode,
            departement=c.departement,
        )

    def _postcode_place(self, code: str) -> Place | None:
        info = self.postcode(code)
        if info is None or info.lat is None or info.lon is None:
            return None
        communes = self.communes_for_postcode(code)
        display = [c for c in communes if c.insee not in self._children] or communes
        name = display[0].nom if display else info.name
        label = f"{name} CEDEX ({code})" if info.is_cedex else f"{name} ({code})"
        return Place(
            label=label,
            lat=info.lat,
            lon=info.lon,
            kind="postcode",
            insee=display[0].insee if len(display) == 1 else None,
            postcode=code,
            departement=self.departement_of_postcode(code),
        )

    # -------------------------------------------------------------- geometry
    def nearest_commune(self, lat: float, lon: float) -> Commune | None:
        """The current commune (or arrondissement) whose point is nearest.

        Paris, Lyon and Marseille answer with their arrondissements. Uses a
        0.1° grid searched in growing rings, so typically a few dozen distance
        computations; far from every commune it falls back to a full scan.
        """
        self._ensure_grid()
        if not self._grid_all or math.isnan(lat) or math.isnan(lon):
            return None
        ci, cj = int(lat // _CELL_DEG), int(lon // _CELL_DEG)
        best = -1
        best_m = math.inf
        grid = self._grid
        for r in range(_MAX_RING + 1):
            for cell in _ring(ci, cj, r):
                for plat, plon, i in grid.get(cell, ()):
                    d = haversine_m(lat, lon, plat, plon)
                    if d < best_m:
                        best, best_m = i, d
            # every point outside rings 0..r is at least r cells away on one axis
            cos_lat = math.cos(math.radians(min(89.0, abs(lat) + (r + 1) * _CELL_DEG)))
            if best >= 0 and best_m <= r * _CELL_DEG * _KM_PER_DEG * 1000 * cos_lat:
                return self._at(best)
        for plat, plon, i in self._grid_all:
            d = haversine_m(lat, lon, plat, plon)
            if d < best_m:
                best, best_m = i, d
        return self._at(best) if best >= 0 else None

    def distance_to_commune_km(self, insee: str, lat: float, lon: float) -> float | None:
        """Kilometres from a point to a commune's representative point.

        Déléguées without a point of their own use their parent's. ``None`` if
        the commune is unknown or has no point.
        """
        try:
            point = self._points[insee]
        except KeyError:  # validation asks this of the same few communes for every record
            c = self.commune(insee)
            point = self._points[insee] = None if c is None else self._commune_point(c)
        if point is None:
            return None
        return haversine_m(lat, lon, point[0], point[1]) / 1000.0


def _ring(ci: int, cj: int, r: int) -> Iterable[tuple[int, int]]:
    if r == 0:
        yield (ci, cj)
        return
    for dj in range(-r, r + 1):
        yield (ci - r, cj + dj)
        yield (ci + r, cj + dj)
    for di in range(-r + 1, r):
        yield (ci + di, cj - r)
        yield (ci + di, cj + r)


# --------------------------------------------------------------------- loading
def _read_csv(name: str) -> list[list[str]]:
    data = resources.files(__package__).joinpath("data", name).read_bytes()
    text = gzip.decompress(data).decode("utf-8")
    reader = csv.reader(io.StringIO(text))
    next(reader)  # header
    return list(reader)


@cache
def load_gazetteer() -> Gazetteer:
    """The gazetteer over the packaged data, loaded on first call and cached."""
    return Gazetteer(_read_csv("communes.csv.gz"), _read_csv("postcodes.csv.gz"))
