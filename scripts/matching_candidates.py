# SPDX-License-Identifier: Apache-2.0
"""Propose pairs of real records to label for matching (issue 14), by blocking.

    .venv/bin/python scripts/matching_candidates.py > /tmp/candidates.jsonl

Reads the real files of ``fixtures/sources/`` (conseillers numériques 2022 for
all of France, Hinaura, Nouvelle-Calédonie in both its raw and its national
form, the Grand Lyon's Maisons de la Métropole, Rés'IN), maps each to the
national standard (the source's own ``[mapping]`` when it has one), and pairs
records that share a blocking key (``matching.candidate_pairs``: commune or
postcode, phone, e-mail, website host, SIRET, points under ~500 m) plus
records of one postcode whose points are 350 m–7 km apart (a point at the
commune's centre and an exact one). Pairs already labelled in
``fixtures/matching/pairs.json`` or ``holdout.json`` are left out, and so are
Hinaura × conseillers numériques pairs in Auvergne-Rhône-Alpes (that set is
labelled already).

Each line printed is one pair with both records side by side (name, address,
commune, postcode, point and its distance to the commune's representative
point, contacts) and the kinds it may illustrate (``hints``): a person reads
both records and judges the pair (``fixtures/matching/README.md`` says how).
Nothing is decided here.
"""

from __future__ import annotations

import argparse
import enum
import json
import random
from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from directory.harvest.matching import Candidate, candidate_pairs, score
from directory.harvest.sources import load_source
from directory.places import load_gazetteer
from directory.schema import (
    Venue,
    address_number,
    haversine_m,
    name_keywords,
    normalise_address,
    normalise_name,
    parse_venue,
    street_part,
)

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "fixtures" / "sources"
LABELLED = ROOT / "fixtures" / "matching"
ARA = {"01", "03", "07", "15", "26", "38", "42", "43", "63", "69", "73", "74"}

#: The fields kept of each record in ``fixtures/matching/records-2.json``: what matching reads,
#: and the services the national standard requires.
KEPT = (
    "id",
    "pivot",
    "nom",
    "adresse",
    "complement_adresse",
    "code_postal",
    "code_insee",
    "commune",
    "latitude",
    "longitude",
    "telephone",
    "courriels",
    "site_web",
    "typologie",
    "itinerance",
    "structure_parente",
    "services",
    "dispositif_programmes_nationaux",
    "formations_labels",
    "date_maj",
    "source",
)


def national(v: Venue) -> dict[str, Any]:
    """A venue as a trimmed national-standard record (lists joined with ``|``): ``parse_venue`` reads it back."""
    out: dict[str, Any] = {}
    for name in KEPT:
        value = getattr(v, name)
        if value in (None, "", []):
            continue
        if isinstance(value, list):
            value = "|".join(e.value if isinstance(e, enum.Enum) else str(e) for e in value)
        elif isinstance(value, date):
            value = value.isoformat()
        out[name] = value
    return out


def _geojson_rows(path: Path) -> list[dict[str, Any]]:
    rows = []
    for feature in json.loads(path.read_text(encoding="utf-8"))["features"]:
        row = dict(feature.get("properties") or {})
        coords = (feature.get("geometry") or {}).get("coordinates")
        if coords:
            row["_longitude"], row["_latitude"] = coords[0], coords[1]
        rows.append(row)
    return rows


def _mapped(toml: str, rows: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    mapping = load_source(SOURCES / toml).mapping
    assert mapping is not None
    for row in rows:
        record, _ = mapping.apply(row)
        yield record


def load_all() -> dict[str, Venue]:
    """Every readable record of the real files, keyed ``source:id``."""
    read = lambda p: json.loads((SOURCES / p).read_text(encoding="utf-8"))  # noqa: E731
    sets: dict[str, list[dict[str, Any]]] = {
        "cnfs": read("conseiller-numerique/lieux-cnfs-2022.json"),
        "hinaura": read("hinaura/source.json"),
        "nc": read(
            "nouvelle-caledonie/20240320-nouvelle-caledonie-lieux-de-mediation-numeriques-nouvelle-caledonie.json"
        ),
        "ncraw": list(_mapped("nouvelle-caledonie.toml", read("nouvelle-caledonie/nouvelle-caledonie.source.json"))),
        "grandlyon": list(_mapped("grand-lyon.toml", _geojson_rows(SOURCES / "grand-lyon/wfs-grandlyon.json"))),
        "resin": list(_mapped("res-in.toml", read("res-in/structures.json"))),
    }
    out = {}
    for source, rows in sets.items():
        for row in rows:
            parsed = parse_venue(row)
            if parsed.venue is None:
                continue
            out[f"{source}:{parsed.venue.id}"] = parsed.venue
    return out


def _dep(v: Venue) -> str:
    cp = v.code_postal or ""
    return cp[:3] if cp.startswith("97") or cp.startswith("98") else cp[:2]


def hints(a: Venue, b: Venue, centre_a: float | None, centre_b: float | None) -> list[str]:
    """What kinds of the issue a pair may show (for choosing pairs, not for judging them)."""
    found = []
    ka, kb = name_keywords(normalise_name(a.nom)), name_keywords(normalise_name(b.nom))
    if ("france_services" in ka) != ("france_services" in kb):
        found.append("fs-hosted?")
    elif ka != kb and (ka or kb):
        found.append("service-word")
    metres = haversine_m(*a.point, *b.point) if a.point and b.point else None
    if metres is not None and 350 <= metres <= 7000:
        found.append("far-points")
    if any(c is not None and c < 0.3 for c in (centre_a, centre_b)):
        found.append("commune-centre")
    na, nb = normalise_address(a.adresse), normalise_address(b.adresse)
    if any(x in (a.adresse + " " + b.adresse).lower() for x in ("-", " b ", "bis", "ter")) and address_number(
        na
    ) != address_number(nb):
        found.append("house-number")
    if na and na == nb and normalise_name(a.nom) != normalise_name(b.nom):
        found.append("same-address-other-name")
    if a.point is None or b.point is None:
        found.append("no-point")
    text = (a.nom + " " + b.nom).lower()
    if any(w in text for w in ("bus", "itinéran", "itineran", "mobile", "camion")):
        found.append("mobile?")
    if "france_services" in ka and "france_services" in kb and a.commune.lower() != b.commune.lower():
        found.append("fs-two-communes?")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pick", action="store_true", help="only the pairs chosen for labelling (see PICK)")
    parser.add_argument(
        "--records", action="store_true", help="write records-2.json: the records pairs-2.json names, trimmed"
    )
    parser.add_argument("--kinds", action="store_true", help="a second draw: the rare kinds of issue 14 (see KINDS)")
    args = parser.parse_args()
    records = load_all()
    if args.records:
        pairs = json.loads((LABELLED / "pairs-2.json").read_text(encoding="utf-8"))
        keys = sorted({k for p in pairs for k in (p["left"], p["right"])})
        lines = ",\n".join(f"{json.dumps(k)}: {json.dumps(national(records[k]), ensure_ascii=False)}" for k in keys)
        (LABELLED / "records-2.json").write_text("{\n" + lines + "\n}\n", encoding="utf-8")
        return
    done = set()
    for name in ("pairs.json", "holdout.json"):
        for p in json.loads((LABELLED / name).read_text(encoding="utf-8")):
            done.add(frozenset((p["left"], p["right"])))
    gaz = load_gazetteer()

    def centre_km(v: Venue) -> float | None:
        if v.point is None:
            return None
        insee = v.code_insee
        if not insee:
            communes = gaz.communes_for_postcode(v.code_postal or "")
            named = [c for c in communes if normalise_name(c.nom) == normalise_name(v.commune)]
            insee = (named or communes or [None])[0] and (named or communes)[0].insee
        return gaz.distance_to_commune_km(insee, *v.point) if insee else None

    items = [Candidate(k, v) for k, v in records.items()]
    pairs = {frozenset((a.key, b.key)) for a, b in candidate_pairs(items)}
    # One postcode, points 350 m – 7 km apart: blocking pairs them by postcode already,
    # unless the postcode is a big one; add them from the postcode anyway.
    by_cp: dict[str, list[str]] = defaultdict(list)
    for k, v in records.items():
        by_cp[v.code_postal].append(k)
    for keys in by_cp.values():
        if len(keys) <= 400:
            for i, x in enumerate(keys):
                for y in keys[i + 1 :]:
                    pairs.add(frozenset((x, y)))

    lines = []
    for pair in sorted(pairs, key=sorted):
        left, right = sorted(pair)
        if pair in done:
            continue
        sa, sb = left.split(":")[0], right.split(":")[0]
        va, vb = records[left], records[right]
        ara = {sa, sb} == {"hinaura", "cnfs"} and _dep(va) in ARA and _dep(vb) in ARA
        ca, cb = centre_km(va), centre_km(vb)
        s = score(va, vb)
        metres = haversine_m(*va.point, *vb.point) if va.point and vb.point else None
        line = {
            "left": left,
            "right": right,
            "score": s.total,
            "decision": s.decision,
            "veto": s.veto,
            "metres": None if metres is None else round(metres),
            "hints": hints(va, vb, ca, cb) + (["ara"] if ara else []),
            "a": _show(va, ca),
            "b": _show(vb, cb),
        }
        line["tier"] = tier(line)
        lines.append(line)
    rng = random.Random(14)
    if args.pick:
        lines = pick([x for x in lines if "ara" not in x["hints"]], rng)
    elif args.kinds:
        lines = pick_kinds(lines, random.Random(41))
    for line in lines:
        print(json.dumps(line, ensure_ascii=False))


#: How many pairs of each (sources, tier) are drawn for labelling; « all » when absent.
PICK: dict[tuple[str, str], int] = {
    ("cnfs-cnfs", "hi"): 100,
    ("cnfs-cnfs", "rest"): 45,
    ("cnfs-grandlyon", "rest"): 5,
    ("cnfs-hinaura", "rest"): 8,
    ("grandlyon-hinaura", "rest"): 6,
    ("cnfs-resin", "rest"): 4,
    ("grandlyon-resin", "rest"): 4,
    ("hinaura-resin", "rest"): 4,
    ("grandlyon-grandlyon", "rest"): 3,
    ("hinaura-hinaura", "hi"): 15,
    ("hinaura-hinaura", "rest"): 0,
    ("nc-ncraw", "hi"): 30,
    ("nc-ncraw", "rest"): 4,
    ("nc-nc", "rest"): 4,
    ("ncraw-ncraw", "rest"): 2,
}


def tier(line: dict[str, Any]) -> str:
    """Why a pair is worth a look: score ≥ 0.5, a hosted France Services, one address, a mobile unit…"""
    h, m = set(line["hints"]), line["metres"]
    near = m if m is not None else 9e9
    if line["score"] >= 0.5:
        return "hi"
    if "fs-hosted?" in h and near < 1000:
        return "fs"
    if "same-address-other-name" in h:
        return "addr"
    if "mobile?" in h and near < 3000:
        return "mob"
    if "fs-two-communes?" in h:
        return "fs2"
    if m is not None and m < 150:
        return "near"
    return "rest"


#: The second draw: pairs showing one of the rare kinds of the issue, found by their values (how
#: many of each at most). Auvergne-Rhône-Alpes Hinaura × conseillers numériques pairs not yet
#: labelled are eligible here: that is where hosted France Services are.
KINDS: dict[str, int] = {"fs-hosted": 70, "house-number": 40, "same-address-far": 30, "same-address-other-name": 50}


def _kind(line: dict[str, Any]) -> str | None:
    h, m = set(line["hints"]), line["metres"]
    near = m if m is not None else 9e9
    a, b = line["a"].split(" | "), line["b"].split(" | ")
    na, nb = normalise_address(a[1]), normalise_address(b[1])
    same_address = bool(na) and na == nb and address_number(na) is not None
    if "fs-hosted?" in h and (near < 600 or same_address):
        return "fs-hosted"
    if "house-number" in h and near < 300 and street_part(na) and street_part(na) == street_part(nb):
        return "house-number"
    if same_address and 350 <= near <= 7000:
        return "same-address-far"
    if same_address:
        return "same-address-other-name"
    return None


def pick_kinds(lines: list[dict[str, Any]], rng: random.Random) -> list[dict[str, Any]]:
    """Pairs of the rare kinds (:data:`KINDS`), none of those the first draw took."""
    first = {(x["left"], x["right"]) for x in pick([x for x in lines if "ara" not in x["hints"]], random.Random(14))}
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for line in lines:
        if (line["left"], line["right"]) not in first and (kind := _kind(line)) is not None:
            line["kind"] = kind
            groups[kind].append(line)
    chosen = []
    for kind, n in KINDS.items():
        chosen += rng.sample(groups[kind], min(n, len(groups[kind])))
    return sorted(chosen, key=lambda line: (line["left"], line["right"]))


def pick(lines: list[dict[str, Any]], rng: random.Random) -> list[dict[str, Any]]:
    """The pairs to label: every pair of a rare tier, a seeded sample of the common ones.
    In the « rest » of conseillers numériques, pairs with points 350 m–7 km apart come first."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for line in lines:
        sources = "-".join(sorted((line["left"].split(":")[0], line["right"].split(":")[0])))
        groups[(sources, line["tier"])].append(line)
    chosen = []
    for key, group in sorted(groups.items()):
        n = PICK.get(key, len(group))
        if key == ("cnfs-cnfs", "rest"):
            far = [g for g in group if "far-points" in g["hints"]]
            chosen += rng.sample(far, min(n - 10, len(far)))
            group = [g for g in group if "far-points" not in g["hints"]]
            n = 10
        chosen += rng.sample(group, min(n, len(group)))
    return sorted(chosen, key=lambda line: (line["left"], line["right"]))


def _show(v: Venue, centre: float | None) -> str:
    point = (
        f"({v.latitude:.5f},{v.longitude:.5f}; centre {centre:.2f} km)"
        if v.point and centre is not None
        else (f"({v.latitude:.5f},{v.longitude:.5f})" if v.point else "(sans point)")
    )
    contacts = " ".join(filter(None, [v.telephone or "", *v.courriels, *v.site_web, v.pivot if v.has_siret else ""]))
    return f"{v.nom} | {v.adresse} | {v.code_postal} {v.commune} {point} | {contacts}"


if __name__ == "__main__":
    main()
