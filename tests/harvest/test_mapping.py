# SPDX-License-Identifier: Apache-2.0
"""The mapping engine: a source's columns → national fields, without code."""

from __future__ import annotations

from datetime import date

import pytest

from directory.harvest.mapping import MappingError, RecordMapping, columns_missing, resolve
from directory.schema import OpeningHours, Severity, parse_venue

TODAY = date(2026, 11, 25)


def mapped(table, raw):
    record, problems = RecordMapping.from_table(table).apply(raw, today=TODAY)
    return record, problems


def one(spec, raw, field="nom"):
    record, _ = mapped({field: spec}, raw)
    return record.get(field)


# ------------------------------------------------------------ where values come from


def test_column_and_dotted_paths():
    raw = {"nom": "A", "geolocalisation": {"lat": -22.2, "lon": 166.4}, "coord": [4.85, 45.66], "a.b": "flat"}
    assert one("nom", raw) == "A"
    assert one("geolocalisation.lat", raw, "latitude") == -22.2
    assert one("coord.1", raw, "latitude") == 45.66
    assert one("coord.-2", raw, "longitude") == 4.85
    assert one("a.b", raw) == "flat"  # a key with a dot wins over nesting
    assert one("absent.path", raw) is None
    assert resolve({"features": [{"properties": {"nom": "X"}}]}, "features.0.properties.nom") == "X"


def test_a_list_field_reads_a_cell_as_the_national_standard_writes_it():
    """« A|B » in one cell is two services, and their values table sees each (no split needed)."""
    spec = {"column": "Services", "values": {"Démarches": "Aide aux démarches administratives"}}
    assert one(spec, {"Services": "Démarches|Accès internet et matériel informatique"}, "services") == [
        "Aide aux démarches administratives",
        "Accès internet et matériel informatique",
    ]
    assert one("Mails", {"Mails": "a@b.fr; c@d.fr"}, "courriels") == ["a@b.fr", "c@d.fr"]
    assert one({"column": "Mails", "split": ","}, {"Mails": "a@b.fr|x, c@d.fr"}, "courriels") == ["a@b.fr|x", "c@d.fr"]


def test_columns_joined_skip_empty_cells():
    raw = {"address": {"numero": "18", "street": "Rue de la Mairie"}, "vide": "", "complement": None}
    spec = {"columns": ["address.numero", "vide", "address.street", "complement"], "join": " "}
    assert one(spec, raw, "adresse") == "18 Rue de la Mairie"


def test_first_expression_that_gives_something_wins():
    spec = ["_latitude", "y_wgs84"]
    assert one(spec, {"_latitude": 45.7, "y_wgs84": 45.0}, "latitude") == 45.7
    assert one(spec, {"y_wgs84": 45.0}, "latitude") == 45.0
    assert one(["a", {"value": "2024-03-20"}], {"a": None}, "date_maj") == "2024-03-20"


def test_constant_and_harvest_date():
    assert one({"value": "Métropole de Lyon"}, {}, "source") == "Métropole de Lyon"
    assert one({"today": True}, {}, "date_maj") == "2026-11-25"
    assert one({"value": ["Se présenter", "Téléphoner"]}, {}, "modalites_acces") == ["Se présenter", "Téléphoner"]


def test_list_fields_always_give_lists():
    assert one("mail", {"mail": "a@b.fr"}, "courriels") == ["a@b.fr"]
    assert one({"columns": ["w1", "w2"]}, {"w1": "https://a.fr", "w2": "https://b.fr"}, "site_web") == [
        "https://a.fr",
        "https://b.fr",
    ]


# ------------------------------------------------------------ split, replace, values


def test_split_then_index():
    raw = {"coordinates": "45.7481, 4.8575"}
    assert one({"column": "coordinates", "split": ",", "index": 0}, raw, "latitude") == "45.7481"
    assert one({"column": "coordinates", "split": ",", "index": 1}, raw, "longitude") == "4.8575"
    assert one({"column": "coordinates", "split": ",", "index": 5}, raw, "longitude") is None


def test_split_on_several_separators():
    raw = {"s": "Accéder à du matériel ;\nAccéder à une connexion internet, Prendre en main un ordinateur"}
    spec = {"column": "s", "split": [",", ";", "\n"]}
    assert one(spec, raw, "autres_formations_labels") == "Accéder à du matériel"  # single-valued: the first part
    record, _ = mapped(
        {
            "services": {
                **spec,
                "values": {
                    "Accéder à du matériel": "Accès internet et matériel informatique",
                    "Accéder à une connexion internet": "Accès internet et matériel informatique",
                    "Prendre en main un ordinateur": "Maîtrise des outils numériques du quotidien",
                },
            }
        },
        raw,
    )
    assert record["services"] == [
        "Accès internet et matériel informatique",
        "Maîtrise des outils numériques du quotidien",
    ]


def test_replace_by_regular_expression():
    spec = {"column": "adresse", "replace": {r"[\s,-]*\b98\s?8\d\d\b.*$": "", r"\s*,\s*": " "}}
    assert one(spec, {"adresse": "38, rue du Pont Tournant - 98835 Dumbéa"}, "adresse") == "38 rue du Pont Tournant"
    assert one(spec, {"adresse": "20 rue Anatole France, 98 800 Nouméa"}, "adresse") == "20 rue Anatole France"


def test_values_ignore_case_accents_and_punctuation():
    spec = {"column": "t", "values": {"Bibliothèque / Médiathèque": "BIB", "Association": "ASSO"}}
    assert one(spec, {"t": "bibliotheque - mediatheque"}, "typologie") == ["BIB"]
    assert one(spec, {"t": "ASSOCIATION"}, "typologie") == ["ASSO"]


def test_values_one_raw_value_gives_several_or_none():
    spec = {
        "column": "p",
        "split": ",",
        "values": {"Jeunes (16-26 ans)/Etudiants": ["Jeunes", "Étudiants"], "Tout types de publics": ""},
    }
    record, problems = mapped(
        {"publics_specifiquement_adresses": spec}, {"p": "Jeunes (16-26 ans)/Etudiants, Tout types de publics"}
    )
    assert record["publics_specifiquement_adresses"] == ["Jeunes", "Étudiants"]
    assert problems == []  # "" means: known, nothing to write


def test_unknown_values_are_reported_and_dropped_national_terms_kept():
    spec = {
        "column": "s",
        "split": ",",
        "values": {"Vente solidaire": "Acquisition de matériel informatique à prix solidaire"},
    }
    record, problems = mapped(
        {"services": spec}, {"s": "Vente solidaire, Jardinage, Aide aux démarches administratives"}
    )
    assert record["services"] == [
        "Acquisition de matériel informatique à prix solidaire",
        "Aide aux démarches administratives",
    ]
    assert [(p.field, p.code, p.value, p.severity) for p in problems] == [
        ("services", "unknown_term_dropped", "Jardinage", Severity.WARNING)
    ]
    assert problems[0].message == "« Jardinage » ne fait pas partie du vocabulaire « Services » : valeur ignorée"


def test_unknown_value_of_a_free_field_names_the_table():
    record, problems = mapped(
        {"code_postal": {"column": "commune", "values": {"Nouméa": "98800"}}}, {"commune": "Atlantis"}
    )
    assert "code_postal" not in record
    assert "correspondances de « code_postal »" in problems[0].message


def test_default_when_nothing_came_out():
    spec = {"column": "t", "values": {"Association": "ASSO"}, "default": "Autre"}
    assert one(spec, {"t": ""}, "typologie") == ["Autre"]
    assert one(spec, {"t": "Association"}, "typologie") == ["ASSO"]


def test_alternative_problems_are_dropped_when_a_later_one_succeeds():
    spec = [{"column": "commune", "values": {"Nouméa": "98800"}}, "code_postal"]
    record, problems = mapped({"code_postal": spec}, {"commune": "Ailleurs", "code_postal": "98870"})
    assert record["code_postal"] == "98870" and problems == []


# ------------------------------------------------------------ when rules


def test_when_equals_replaces_a_single_value():
    spec = {"column": "ridet", "when": [{"column": "ridet", "equals": "0", "value": ""}]}
    assert one(spec, {"ridet": "0"}, "pivot") is None
    assert one(spec, {"ridet": "1234567"}, "pivot") == "1234567"


def test_when_takes_another_column():
    spec = {"column": "nom_court", "when": [{"column": "type", "equals": "principale", "then": "nom_long"}]}
    assert (
        one(spec, {"type": "principale", "nom_court": "Latarjet", "nom_long": "MDM Lyon 8 Latarjet"})
        == "MDM Lyon 8 Latarjet"
    )
    assert one(spec, {"type": "secondaire", "nom_court": "Latarjet", "nom_long": "MDM Lyon 8 Latarjet"}) == "Latarjet"


def test_when_rules_add_to_list_fields_contains_unless_present():
    spec = {
        "when": [
            {"columns": ["services", "description"], "contains": "atelier", "value": "Dans un atelier collectif"},
            {"column": "conditions", "contains": "gratuit", "unless": "sous condition", "value": "En autonomie"},
            {"column": "accessRight", "present": True, "value": "Accompagnement individuel"},
            {"column": "remote", "equals": True, "value": "À distance"},
        ]
    }
    raw = {
        "services": "Ateliers collectifs",
        "conditions": "Gratuit sous condition",
        "accessRight": ["84"],
        "remote": False,
    }
    assert one(spec, raw, "modalites_accompagnement") == ["Dans un atelier collectif", "Accompagnement individuel"]
    raw = {"description": "", "conditions": "Gratuit", "accessRight": [], "remote": True}
    assert one(spec, raw, "modalites_accompagnement") == ["En autonomie", "À distance"]


def test_when_matches_a_regular_expression_and_replace_true():
    spec = {
        "value": ["Se présenter", "Téléphoner"],
        "when": [
            {
                "column": "commentaire",
                "matches": "(?i)fermée? au public",
                "value": "Ce lieu n'accueille pas de public",
                "replace": True,
            }
        ],
    }
    assert one(spec, {"commentaire": "Fermée au public"}, "modalites_acces") == ["Ce lieu n'accueille pas de public"]
    assert one(spec, {"commentaire": ""}, "modalites_acces") == ["Se présenter", "Téléphoner"]


def test_a_rule_without_its_own_column_tests_the_expression_column():
    spec = {"column": "structure_parente", "when": [{"equals": ["Aucune", "Aucun"], "value": ""}]}
    assert one(spec, {"structure_parente": "aucune"}, "structure_parente") is None


# ------------------------------------------------------------ conversions


def test_dates_strptime_javascript_epoch_and_iso():
    fmt = {"column": "d", "date_format": ["%d/%m/%Y", "%a %b %d %Y %H:%M:%S"]}
    assert one(fmt, {"d": "05/11/2023"}, "date_maj") == "2023-11-05"
    assert (
        one(fmt, {"d": "Thu Jan 20 2022 10:06:20 GMT+0100 (heure normale d’Europe centrale)"}, "date_maj")
        == "2022-01-20"
    )
    assert one(fmt, {"d": "2021-03-02T12:36:53.000Z"}, "date_maj") == "2021-03-02"  # ISO always works
    assert one({"column": "d", "date_format": "epoch_ms"}, {"d": 1614688613000}, "date_maj") == "2021-03-02"
    # Unreadable: left as it is, for parse_venue to reject with its own message.
    assert one(fmt, {"d": "hier"}, "date_maj") == "hier"


def test_numbers_with_a_decimal_comma():
    assert one({"column": "lat", "number": True}, {"lat": "45,7296"}, "latitude") == pytest.approx(45.7296)
    assert one({"column": "lat", "number": True}, {"lat": 45}, "latitude") == 45.0


def test_truncate_warns_and_cuts_at_a_word():
    text = "mot " * 100
    record, problems = mapped({"presentation_resume": {"column": "r", "truncate": 280}}, {"r": text})
    assert len(record["presentation_resume"]) <= 280 and record["presentation_resume"].endswith("mot…")
    assert (problems[0].code, problems[0].severity) == ("too_long", Severity.WARNING)


def test_slug_makes_a_stable_identifier():
    spec = {"columns": ["commune", "nom"], "join": " ", "slug": True}
    assert (
        one(spec, {"commune": "Nouméa", "nom": "Espace municipal de Rivière Salée"}, "id")
        == "noumea-espace-municipal-de-riviere-salee"
    )


# ------------------------------------------------------------ opening hours


GRAND_LYON_HOURS = {
    "hours": {
        "Mo": ["lundi_am", "lundi_pm"],
        "Tu": ["mardi_am", "mardi_pm"],
        "We": ["mercredi_am", "mercredi_pm"],
        "Th": ["jeudi_am", "jeudi_pm"],
        "Fr": ["vendredi_am", "vendredi_pm"],
    }
}


def week(am, pm, **overrides):
    cells = {
        f"{day}_{half}": value
        for day in ("lundi", "mardi", "mercredi", "jeudi", "vendredi")
        for half, value in (("am", am), ("pm", pm))
    }
    cells.update(overrides)
    return cells


def test_hours_identical_days_collapse_into_a_range():
    hours = one(GRAND_LYON_HOURS, week("08h30-12h00", "13h30-17h00"), "horaires")
    assert hours == "Mo-Fr 08:30-12:00,13:30-17:00"
    assert OpeningHours.check(hours) is None


def test_hours_ferme_and_empty_cells_close_the_half_day():
    raw = week(
        "08h30-12h00", "13h30-17h00", mardi_am="fermé", mardi_pm="13h00-17h00", mercredi_pm="", vendredi_pm="Fermé"
    )
    hours = one(GRAND_LYON_HOURS, raw, "horaires")
    assert hours == "Mo,Th 08:30-12:00,13:30-17:00; Tu 13:00-17:00; We,Fr 08:30-12:00"
    assert OpeningHours.check(hours) is None


def test_hours_all_closed_gives_nothing():
    assert one(GRAND_LYON_HOURS, week("fermé", "fermé"), "horaires") is None


@pytest.mark.parametrize(
    ("cell", "osm"),
    [
        ("8:30 - 12:00", "Mo 08:30-12:00"),
        ("07:30-11:30, 12:15-16:00", "Mo 07:30-11:30,12:15-16:00"),
        ("7 : 30 - 11 : 30 / 12 : 30 - 15 :30", "Mo 07:30-11:30,12:30-15:30"),
        ("9: à 18:", "Mo 09:00-18:00"),
        ("10h à 17h", "Mo 10:00-17:00"),
        ("8:30 11:30; 13:00 17:00", "Mo 08:30-11:30,13:00-17:00"),
        ("10:00-11-00, 12:00-17:00", "Mo 10:00-11:00,12:00-17:00"),
        ("08:00-12:00 et 12:00-16:00", "Mo 08:00-16:00"),
        ("08:00-11:30 (les premiers samedis de chaque mois)", 'Mo 08:00-11:30 "les premiers samedis de chaque mois"'),
    ],
)
def test_hours_cells_as_producers_write_them(cell, osm):
    hours = one({"hours": {"lundi": "h"}}, {"h": cell}, "horaires")
    assert hours == osm
    assert OpeningHours.check(hours) is None


def test_unreadable_hours_are_kept_as_an_unknown_day_and_reported():
    record, problems = mapped(
        {"horaires": {"hours": {"Mo": "lun", "Su": "dim"}}}, {"lun": "08:00-12:00", "dim": "réservé aux scolaires"}
    )
    assert record["horaires"] == 'Mo 08:00-12:00; Su unknown "réservé aux scolaires"'
    assert OpeningHours.check(record["horaires"]) is None
    assert [(p.field, p.code, p.value) for p in problems] == [("horaires", "hours", "dimanche : réservé aux scolaires")]
    assert OpeningHours(record["horaires"]).state(__import__("datetime").datetime(2026, 11, 29, 10)).unknown


def test_hours_from_a_json_week():
    raw = {
        "hours": {
            "monday": {
                "open": True,
                "time": [{"opening": "9:00", "closing": "12:00"}, {"opening": "13:30", "closing": "17:30"}],
            },
            "tuesday": {
                "open": True,
                "time": [{"opening": "9:00", "closing": "12:00"}, {"opening": "13:30", "closing": "17:30"}],
            },
            "wednesday": {"open": False, "time": []},
            "thursday": {"open": True, "time": [{"opening": "9:30", "closing": "12:00"}]},
            "saturday": {"open": False, "time": []},
        }
    }
    hours = one({"hours": {"json_week": "hours"}}, raw, "horaires")
    assert hours == "Mo,Tu 09:00-12:00,13:30-17:30; Th 09:30-12:00"
    assert one({"hours": {"json_week": "hours"}}, {"hours": None}, "horaires") is None


# ------------------------------------------------------------ the whole record


def test_a_mapped_record_is_a_valid_venue(places):
    table = {
        "id": "identifiant",
        "nom": "nom",
        "adresse": "adresse",
        "code_postal": "code_postal",
        "commune": "ville",
        "latitude": "_latitude",
        "longitude": "_longitude",
        "telephone": "telephone",
        "date_maj": {"today": True},
        "horaires": GRAND_LYON_HOURS,
    }
    raw = {
        "identifiant": "P84",
        "nom": "MDM Latarjet",
        "adresse": "1 place Latarjet",
        "code_postal": "69008",
        "ville": "Lyon",
        "_latitude": 45.7296,
        "_longitude": 4.8849,
        "telephone": "04 28 67 33 10",
        **week("08h30-12h00", "13h30-17h00"),
    }
    record, problems = mapped(table, raw)
    result = parse_venue(record, places=places, today=TODAY)
    assert result.venue is not None and problems == []
    assert result.venue.telephone == "+33428673310"
    assert result.venue.horaires == "Mo-Fr 08:30-12:00,13:30-17:00"


def test_columns_read_and_missing():
    mapping = RecordMapping.from_table(
        {
            "nom": "nom",
            "adresse": {"columns": ["a.numero", "a.rue"], "join": " "},
            "services": {
                "when": [{"column": "accessRight", "present": True, "value": "Aide aux démarches administratives"}]
            },
            "horaires": {"hours": {"Mo": ["lundi_am", "lundi_pm"]}},
        }
    )
    assert mapping.columns == {"nom", "a.numero", "a.rue", "accessRight", "lundi_am", "lundi_pm"}
    records = [{"nom": "x", "a": {"numero": None, "rue": "r"}, "accessRight": [], "lundi_am": ""}]
    assert columns_missing(mapping, records) == ["lundi_pm"]


# ------------------------------------------------------------ mistakes in the table


@pytest.mark.parametrize(
    ("table", "words"),
    [
        ({"nomm": "nom"}, "mapping.nomm : « nomm » n'est pas un champ du standard national"),
        ({"nom": {"colum": "nom"}}, "mapping.nom : clé inconnue « colum »"),
        ({"nom": {"column": "a", "columns": ["b"]}}, "s'excluent"),
        ({"nom": {"column": "a", "value": "b"}}, "une seule origine"),
        ({"nom": 12}, "attendu un nom de colonne"),
        ({"nom": {}}, "rien à lire"),
        ({"typologie": {"column": "t", "values": "ASSO"}}, "mapping.typologie.values"),
        ({"nom": {"column": "a", "split": ""}}, "séparateur"),
        ({"nom": {"column": "a", "replace": {"(": ""}}}, "expression régulière invalide"),
        ({"horaires": {"hours": {"Lu": "lundi"}}}, "jour inconnu « Lu »"),
        ({"services": {"when": [{"column": "a", "value": "x"}]}}, "indiquer une condition"),
        ({"services": {"when": [{"column": "a", "present": True}]}}, "soit « value »"),
        ({"services": {"when": [{"column": "a", "matches": "[", "value": "x"}]}}, "mapping.services.when[1].matches"),
        ({"services": {"when": [{"present": True, "value": "x"}]}}, "indiquer la colonne à tester"),
        ({"date_maj": {"column": "d", "date_format": 3}}, "mapping.date_maj.date_format"),
    ],
)
def test_mistakes_are_reported_in_french_with_the_key(table, words):
    with pytest.raises(MappingError) as caught:
        RecordMapping.from_table(table)
    assert words in str(caught.value)
