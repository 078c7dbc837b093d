# SPDX-License-Identifier: Apache-2.0
"""Compare our mapping of the raw Nouvelle-Calédonie survey with ANCT's own
conversion of it, field by field, and write the result.

    .venv/bin/python scripts/compare_nc.py            # prints, and writes
    fixtures/sources/nouvelle-caledonie-agreement.md

Both sides go through ``parse_venue`` (with the gazetteer), so that spelling
differences (a phone with or without spaces, `|` or a list) do not count:
only the meaning does. Opening hours are compared by the open intervals they
give over one week, not by their text. A record that ``parse_venue`` rejects
is compared without its faulty fields, which count as "invalid" on that side.
Records are joined on name, and commune when two share a name (ANCT's ids
are row numbers, ours are slugs). The figures the prose gives are computed
too, so the report says what the files say today; ``tests/harvest/
test_nc_agreement.py`` checks that the committed report is what this script
writes.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from directory.harvest.dedupe import MatchIndex, resolve  # noqa: E402
from directory.harvest.sources import load_source  # noqa: E402
from directory.places import load_gazetteer  # noqa: E402
from directory.schema import LIST_VOCABULARIES, NATIONAL_FIELDS, OpeningHours, Severity, fold_key, parse_venue  # noqa: E402

SOURCE = ROOT / "fixtures" / "sources" / "nouvelle-caledonie.toml"
ANCT = (
    ROOT
    / "fixtures"
    / "sources"
    / "nouvelle-caledonie"
    / ("20240320-nouvelle-caledonie-lieux-de-mediation-numeriques-nouvelle-caledonie.json")
)
OUT = ROOT / "fixtures" / "sources" / "nouvelle-caledonie-agreement.md"
TODAY = date(2024, 3, 20)  # the day ANCT converted the survey
FIELDS = [f for f in NATIONAL_FIELDS if f != "id"]
WEEK = (datetime(2024, 1, 8), datetime(2024, 1, 15))  # a Monday to the next


@dataclass
class Side:
    values: dict[str, Any]
    invalid: set[str] = field(default_factory=set)
    rejected: bool = False


def parsed(record: dict[str, Any], places: Any) -> Side:
    """The venue's values; fields that make it invalid are dropped and noted."""
    record = dict(record)
    invalid: set[str] = set()
    for _ in range(10):
        result = parse_venue(record, places=places, today=TODAY)
        if result.venue is not None:
            values = {name: getattr(result.venue, name) for name in FIELDS}
            return Side(values, invalid, rejected=bool(invalid))
        bad = {p.field for p in result.problems if p.severity is Severity.ERROR}
        invalid |= bad
        legacy = {
            "presentation_resume": "presentation_resume",
            "courriels": "courriel",
            "autres_formations_labels": "labels_autres",
        }
        for name in bad:
            record.pop(name, None)
            record.pop(legacy.get(name, name), None)
    return Side({}, invalid, rejected=True)


def normal(name: str, value: Any) -> Any:
    if value in (None, "", []):
        return None
    if name in LIST_VOCABULARIES:
        return frozenset(term.code for term in value)
    if name in ("courriels", "site_web"):
        return frozenset(v.lower().rstrip("/").split("://", 1)[-1] for v in value)
    if name in ("latitude", "longitude"):
        return round(value, 5)
    if name == "horaires":
        try:
            return tuple(OpeningHours(value).intervals(*WEEK))
        except ValueError:
            return value
    if isinstance(value, date):
        return value.isoformat()
    return fold_key(str(value))


def show(value: Any) -> str:
    if value in (None, "", []):
        return "∅"
    if isinstance(value, list):
        return "|".join(getattr(v, "national", str(v)) for v in value)
    text = " ".join(str(value).split())
    return text if len(text) <= 90 else text[:87] + "…"


def labels(side: Side, name: str) -> set[str]:
    return {getattr(v, "national", str(v)) for v in side.values.get(name) or []}


PUBLICS = "publics_specifiquement_adresses"
ANCT_ALL = {"Familles et/ou enfants", "Jeunes", "Seniors"}  # ANCT's reading of « Tout types de publics »


def publics_case(said: str, mine: Side, theirs: Side) -> str:
    """Why the two sides give different publics: the explanation's four cases."""
    ours, anct = labels(mine, PUBLICS), labels(theirs, PUBLICS)
    if "Jeunes (16-26 ans)/Etudiants" in said and ours == anct | {"Étudiants"}:
        return "etudiants"
    if "Tout types de publics" in said and anct == ours | ANCT_ALL and not ours & ANCT_ALL:
        return "insertion" if "Personnes en insertion professionnelle" in said else "tout"
    return "autres"


def duplicates(records: list[dict[str, Any]], places: Any, source_id: str) -> tuple[int, list[tuple[str, str]]]:
    """Venues a first harvest makes of the records, and the pairs it merges (``dedupe.resolve``, as the run)."""
    new = [(str(r["id"]), v) for r in records if (v := parse_venue(r, places=places, today=TODAY).venue) is not None]
    names = {record_id: f"{venue.nom} ({venue.commune})" for record_id, venue in new}
    follows = resolve(MatchIndex(), source_id, new, {}).follows
    return len(new) - len(follows), [(names[leader], names[twin]) for twin, leader in follows.items()]


def report() -> str:
    places = load_gazetteer()
    config = load_source(SOURCE)
    raw_items = list(config.make_reader().read(Path(config.location()).read_bytes()))
    ours: dict[tuple[str, str], tuple[dict[str, Any], Side]] = {}
    mapped = []
    for item in raw_items:
        record, _ = config.map(item.record, today=TODAY)
        mapped.append(record)
        ours[(fold_key(item.record["nom"]), fold_key(item.record["commune"] or ""))] = (
            item.record,
            parsed(record, places),
        )
    theirs_records = json.loads(ANCT.read_text(encoding="utf-8"))

    pairs = []
    unmatched = []
    by_name = Counter(name for name, _ in ours)
    for record in theirs_records:
        key = (fold_key(record["nom"]), fold_key(record.get("commune") or ""))
        if key not in ours and by_name[key[0]] == 1:  # same name, another commune
            key = next(k for k in ours if k[0] == key[0])
        if key not in ours:
            unmatched.append(record["nom"])
            continue
        pairs.append((key, ours[key][1], parsed(record, places)))
    joined = {key for key, _, _ in pairs}
    dropped = [raw["nom"] + " (" + (raw["commune"] or "?") + ")" for key, (raw, _) in ours.items() if key not in joined]

    rows = []
    total_agree = total = 0
    examples: dict[str, list[str]] = {}
    for name in FIELDS:
        agree = both_empty = theirs_invalid = ours_invalid = 0
        for key, mine, theirs in pairs:
            a, b = normal(name, mine.values.get(name)), normal(name, theirs.values.get(name))
            theirs_invalid += name in theirs.invalid
            ours_invalid += name in mine.invalid
            if a == b:
                agree += 1
                both_empty += a is None
            elif len(examples.setdefault(name, [])) < 3:
                examples[name].append(
                    f"« {ours[key][0]['nom']} » : nous {show(mine.values.get(name))} — ANCT {show(theirs.values.get(name))}"
                )
        total_agree += agree
        total += len(pairs)
        rows.append((name, agree, both_empty, len(pairs) - agree, theirs_invalid, ours_invalid))

    ours_valid = sum(not side.rejected for _, side in ours.values())
    theirs_valid = sum(not parsed(r, places).rejected for r in theirs_records)
    venues, twins = duplicates(mapped, places, config.id)
    differ = {name: d for name, _, _, d, _, _ in rows}
    five = sum(
        differ[n]
        for n in (
            "frais_a_charge",
            "modalites_accompagnement",
            "structure_parente",
            "dispositif_programmes_nationaux",
            "itinerance",
        )
    )
    publics = Counter(
        publics_case(ours[key][0].get("publics_accueillis") or "", mine, theirs)
        for key, mine, theirs in pairs
        if normal(PUBLICS, mine.values.get(PUBLICS)) != normal(PUBLICS, theirs.values.get(PUBLICS))
    )

    def gained(service: str, a: int, b: int) -> int:  # pairs where side a has the service and side b not
        return sum(service in labels(p[a], "services") - labels(p[b], "services") for p in pairs)

    facts = {
        "five": five,
        "disagreements": total - total_agree,
        "five_share": 100 * five / (total - total_agree),
        "publics": differ[PUBLICS],
        **{case: publics[case] for case in ("tout", "insertion", "etudiants", "autres")},
        "loisirs": gained("Loisirs et créations numériques", 1, 2),
        "comprehension": gained("Compréhension du monde numérique", 2, 1),
    }
    lines = [
        "# Nouvelle-Calédonie : notre correspondance comparée à celle de l'ANCT",
        "",
        "Produit par `scripts/compare_nc.py` (ne pas modifier à la main). Notre côté : "
        "`nouvelle-caledonie.toml` appliqué au fichier brut de l'enquête "
        f"({len(raw_items)} fiches) ; côté ANCT : `{ANCT.name}` ({len(theirs_records)} fiches), "
        "sa conversion du même fichier par mednum-cli. Les deux passent par `parse_venue` "
        "avec le référentiel des communes ; les horaires sont comparés par les plages "
        "d'ouverture qu'ils donnent sur une semaine, les listes comme des ensembles.",
        "",
        f"- fiches appariées (même nom, et même commune quand le nom ne suffit pas) : **{len(pairs)}** ; "
        f"fiches de l'enquête absentes du fichier ANCT : {len(dropped)} ({'; '.join(dropped) or '—'}) ; "
        f"fiches ANCT sans correspondant : {len(unmatched)}",
        f"- doublons dans l'enquête : une moisson de ce fichier fusionne {len(twins)} fiches avec une autre du même "
        f"fichier ({len(mapped)} fiches → {venues} lieux) : "
        + " ; ".join(f"« {a} » et « {b} »" for a, b in twins)
        + ". La comparaison se fait fiche par fiche, avant cette fusion.",
        f"- fiches valides au standard : nous **{ours_valid} / {len(ours)}**, ANCT **{theirs_valid} / {len(theirs_records)}**",
        f"- accord global, champ par champ ({len(FIELDS)} champs, `id` exclu) : **{total_agree} / {total} = {100 * total_agree / total:.1f} %**",
        "",
        "| champ | accord | dont vides des deux côtés | désaccord | invalide chez l'ANCT | invalide chez nous | taux |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, agree, both_empty, differ, t_invalid, o_invalid in rows:
        lines.append(
            f"| `{name}` | {agree} | {both_empty} | {differ} | {t_invalid} | {o_invalid} | {100 * agree / len(pairs):.0f} % |"
        )
    informative = [(n, a - e, a - e + d) for n, a, e, d, _, _ in rows if a - e + d]
    agree_info = sum(x for _, x, _ in informative)
    total_info = sum(y for _, _, y in informative)
    lines += [
        "",
        f"Sans compter les champs vides des deux côtés : {agree_info} / {total_info} = "
        f"{100 * agree_info / total_info:.1f} % d'accord.",
        "",
        "## Exemples de désaccords",
        "",
    ]
    for name, _, _, differ, _, _ in rows:
        if differ:
            lines.append(f"- `{name}` ({differ}) : " + " ; ".join(examples.get(name, [])))
    lines += ["", EXPLANATION.strip().format(**facts), ""]
    return "\n".join(lines)


def main() -> int:
    text = report()
    OUT.write_text(text, encoding="utf-8")
    print(text)
    return 0


EXPLANATION = """
## Pourquoi nous différons

Les différences viennent surtout d'erreurs ou de manques de la conversion
ANCT ; quelques-unes sont des choix de notre côté, dits ici.

**Erreurs de la conversion ANCT**

- `code_postal` : l'enquête écrit 98800 (Nouméa) pour toutes les fiches et
  l'ANCT l'a recopié. Nous prenons le code de la commune (Bourail 98870,
  Lifou 98820…) ; seules les fiches de Nouméa concordent.
- `code_insee` : l'enquête n'en a pas ; l'ANCT l'a obtenu par géocodage et
  donne 63236 aux neuf fiches du Mont-Dore — Le Mont-Dore du Puy-de-Dôme.
  Nous prenons le code officiel de la commune (Mont-Dore 98817).
- `commune` : l'ANCT place à Nouméa (98818) les espaces connectés de
  Boulouparis et de l'Île des Pins, à 60 et 115 km de là ; l'enquête, leurs
  coordonnées et nous les laissons chez eux.
- `presentation_resume` : douze résumés dépassent les 280 caractères du
  standard ; l'ANCT les publie tels quels (ces douze fiches sont invalides :
  78 fiches valides sur 90). Nous coupons le résumé au dernier mot avant 280
  caractères et mettons le texte entier dans `presentation_detail` (d'où les
  désaccords de ce champ aussi).
- `date_maj` : six fiches sans date de soumission reçoivent chez l'ANCT le
  1969-12-31 (une date zéro). Nous leur donnons le 2024-03-20, jour où l'ANCT
  a converti l'export qui les contenait.
- `publics_specifiquement_adresses` ({publics} désaccords) : à {tout} fiches qui
  disent « Tout types de publics », l'ANCT ajoute « Familles et/ou enfants,
  Jeunes, Seniors » ; le standard réserve ce champ aux publics
  *spécifiquement* visés, nous n'ajoutons rien. {insertion} autres fiches le
  disent aussi, avec « Personnes en insertion professionnelle », public que
  le standard n'a pas : même ajout chez l'ANCT. À {etudiants} fiches qui disent
  « Jeunes (16-26 ans)/Etudiants », nous donnons « Jeunes » et « Étudiants »,
  l'ANCT seulement « Jeunes ». Pour les {autres} autres, les deux côtés
  traduisent autrement la liste des publics.
- `prise_en_charge_specifique` : « Personnes en situation de handicap » ne
  dit pas quel handicap ; l'ANCT en fait « Handicaps mentaux », nous ne
  déduisons rien.
- `adresse` : les deux côtés retirent le code postal et la commune que
  l'enquête ajoute à l'adresse, mais l'ANCT les laisse quand le code est
  écrit avec une espace (« 98 800 Nouméa »), et donne à l'Université
  (145, avenue James Cook, Nouméa) l'adresse d'une autre fiche, à Koné.
- `autres_formations_labels` : l'ANCT y ajoute « ZRR » (zone de
  revitalisation rurale, qui n'est pas un label) à neuf fiches.
- `site_web` : l'ANCT publie une adresse e-mail comme site web.

**Ce que la conversion ANCT de mars 2024 ne remplissait pas encore**

- `frais_a_charge` (colonne `conditions_acces`, déjà au vocabulaire du
  standard), `modalites_accompagnement`, `structure_parente`,
  `dispositif_programmes_nationaux` (« Certificateur Pix ») et `itinerance`
  sont vides dans le fichier ANCT ; la configuration actuelle de mednum-cli
  les remplit, comme nous. Ces cinq champs font {five} des {disagreements}
  désaccords ({five_share:.0f} %).
- `typologie` : ni l'ANCT ni nous ne classons « Province » ; « Entreprise
  privée » devient chez nous `ETABL_PRI` (Établissement privé), reste vide
  chez l'ANCT.
- `horaires` : l'ANCT abandonne toute la semaine quand un jour est illisible
  (« 13:16:59.999998 » à La Foa, « 10:00-11-00 » au centre VÖÖK). Nous
  lisons « 10:00-11-00 » et gardons le jour illisible comme jour inconnu
  avec son texte (`Mo unknown "13:16:59.999998"`), signalé. Les plages
  lisibles concordent partout ailleurs.
- `telephone` : « 426700 » (sans indicatif) est pour nous un numéro
  calédonien, +687426700 ; l'ANCT l'écarte.

**Choix de notre côté**

- `services` : nous lisons quatre colonnes de texte libre (`services`,
  `thematiques_proposees`, `equipements`, `modalites_accompagnement0`) avec
  une table de correspondance exhaustive, où l'ANCT cherchait des mots-clés.
  Les ensembles diffèrent surtout de deux services : « Loisirs et créations
  numériques », que nous tirons de « Culture, loisirs et divertissement »
  ({loisirs} fiches), et « Compréhension du monde numérique », que l'ANCT déduit du
  mot « formation » ({comprehension} fiches) et nous non. Trois morceaux de texte libre
  sans rapport avec un service sont signalés, pas devinés.
- `id` n'est pas comparé : l'ANCT numérote les lignes, nous formons un
  identifiant stable à partir de la commune et du nom.
"""


if __name__ == "__main__":
    raise SystemExit(main())
