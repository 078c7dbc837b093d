# SPDX-License-Identifier: Apache-2.0
"""Source files: every real one loads, its samples pass, its data maps; a
broken one gets French messages naming the file and the field."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest

from directory.harvest.mapping import columns_missing
from directory.harvest.sources import (
    Pagination,
    SourceConfigError,
    check_samples,
    load_source,
    load_sources,
    parse_interval,
    parse_size,
)
from directory.schema import Severity, parse_venue

from ..conftest import FIXTURES

SOURCES = FIXTURES / "sources"
TODAY = date(2026, 11, 25)
REAL = ["conseillers-numeriques", "grand-lyon", "hinaura", "nouvelle-caledonie", "res-in"]


def harvest(config, places):
    """Read, map and validate a source's whole data file, as a harvest would."""
    items = list(config.make_reader().read(Path(config.location()).read_bytes()))
    valid, problems = 0, Counter()
    for item in items:
        record, found = config.map(item.record, today=TODAY)
        result = parse_venue(record, places=places, today=TODAY)
        valid += result.venue is not None
        problems.update((p.field, p.code, p.severity.value) for p in found + result.problems)
    return items, valid, problems


def test_the_fixture_folder_loads_sorted_by_id():
    assert [c.id for c in load_sources(SOURCES)] == REAL


@pytest.mark.parametrize("source_id", REAL)
def test_every_sample_of_every_real_source_passes(source_id, places):
    config = load_source(SOURCES / f"{source_id}.toml")
    assert len(config.samples) >= 2
    failures = check_samples(config, places=places, today=TODAY)
    assert failures == [], "\n".join(map(str, failures))


@pytest.mark.parametrize(
    ("source_id", "read", "valid", "top"),
    [
        ("grand-lyon", 61, 61, {("pivot", "pivot_missing", "warning"): 61}),
        (
            "nouvelle-caledonie",
            92,
            92,
            {
                ("pivot", "pivot_missing", "warning"): 92,
                ("presentation_resume", "too_long", "warning"): 12,  # cut at 280, full text kept in presentation_detail
                ("telephone", "phone", "warning"): 8,
                ("services", "unknown_term_dropped", "warning"): 3,
                ("horaires", "hours", "warning"): 2,
            },
        ),
        ("res-in", 7, 7, {("pivot", "pivot_missing", "warning"): 7, ("telephone", "phone", "warning"): 5}),
        (
            "hinaura",
            687,
            687,
            {  # 3 points were « far » from the commune of a wrong postcode: the postcode is flagged
                ("latitude", "coordinates_far_from_commune", "warning"): 1,
                ("code_postal", "postcode_insee_mismatch", "warning"): 5,  # « 01500 » in Bourg-en-Bresse (01000)…
                ("commune", "former_commune", "warning"): 22,  # Oullins, Pierre-Bénite, Seynod, Cran-Gevrier…
            },
        ),
        (
            "conseillers-numeriques",
            2733,
            2733,
            {  # nothing lost to a bad identifier or a zero too many
                ("pivot", "pivot_missing", "warning"): 1184,
                ("pivot", "pattern_pivot", "warning"): 3,  # « BibliothèquedeDzoumogne », « 689330 »…: the placeholder
                ("pivot", "pivot_trimmed", "warning"): 1,  # « 34106240403159/APE:8790B »
                ("code_postal", "postcode_extra_digit", "warning"): 2,  # « 380000 » in Grenoble, « 020000 » in Laon
            },
        ),
    ],
)
def test_every_real_data_file_reads_maps_and_validates(source_id, read, valid, top, places):
    config = load_source(SOURCES / f"{source_id}.toml")
    items, count_valid, problems = harvest(config, places)
    assert (len(items), count_valid) == (read, valid)
    for key, count in top.items():
        assert problems[key] == count, key
    if config.mapping is not None:  # every column the mapping reads exists in the file
        assert columns_missing(config.mapping, [i.record for i in items if i.record]) == []


def test_nouvelle_caledonie_fixes_what_the_survey_got_wrong(places):
    config = load_source(SOURCES / "nouvelle-caledonie.toml")
    items = list(config.make_reader().read(Path(config.location()).read_bytes()))
    venues = [parse_venue(config.map(i.record, today=TODAY)[0], places=places, today=TODAY).venue for i in items]
    mont_dore = [v for v in venues if v.commune == "Mont-Dore"]
    assert (
        len(mont_dore) == 9
        and {v.code_insee for v in mont_dore} == {"98817"}
        and {v.code_postal for v in mont_dore} == {"98809"}
    )
    assert Counter(v.code_postal for v in venues)["98800"] == 32  # only Nouméa's
    assert all(len(v.presentation_resume or "") <= 280 for v in venues)
    assert sum(v.presentation_detail is not None for v in venues) == 12
    assert len({v.id for v in venues}) == 92


def test_location_and_source_info():
    config = load_source(SOURCES / "grand-lyon.toml")
    assert config.location() == str((SOURCES / "grand-lyon" / "wfs-grandlyon.json").resolve())
    assert config.location("/data") == "/data/grand-lyon/wfs-grandlyon.json"
    info = config.source_info()
    assert (info.id, info.kind, info.format, info.trust) == ("grand-lyon", "commune", "geojson", 80)
    assert info.url.startswith("file://") and info.publisher == "Métropole de Lyon"
    assert config.interval == timedelta(days=7) and config.origin is None  # it publishes its own data


@pytest.mark.parametrize(
    ("text", "delta"),
    [
        ("6h", timedelta(hours=6)),
        ("1d", timedelta(days=1)),
        ("1j", timedelta(days=1)),
        ("7d", timedelta(days=7)),
        ("2w", timedelta(weeks=2)),
        ("30min", timedelta(minutes=30)),
    ],
)
def test_intervals(text, delta):
    assert parse_interval(text) == delta


@pytest.mark.parametrize(
    ("text", "size"),
    [("20MB", 20_000_000), ("20 Mo", 20_000_000), ("500ko", 500_000), ("1,5GB", 1_500_000_000), (1234, 1234)],
)
def test_sizes(text, size):
    assert parse_size(text) == size


# ------------------------------------------------------------ broken source files


GOOD = """
id = "ma-commune"
name = "Lieux numériques de Ma Commune"
publisher = "Ville de Ma Commune"
kind = "commune"
url = "https://data.example.org/lieux.csv"
format = "table-csv"
licence = "Licence Ouverte 2.0"
interval = "1d"

[mapping]
nom = "Nom du lieu"
"""


def write(tmp_path, text, name="ma-commune.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(tmp_path, text):
    with pytest.raises(SourceConfigError) as caught:
        load_source(write(tmp_path, text))
    return caught.value.problems


def test_a_good_file_loads(tmp_path):
    config = load_source(write(tmp_path, GOOD))
    assert config.id == "ma-commune" and config.trust == 50 and config.enabled and config.encoding == "auto"
    assert config.max_size == 20_000_000
    assert load_source(write(tmp_path, GOOD.replace('interval = "1d"', 'max_size = "200MB"'))).max_size == 200_000_000
    assert config.deadline == timedelta(minutes=5) and config.allowed_hosts == []
    bounded = load_source(
        write(
            tmp_path,
            GOOD.replace(
                'interval = "1d"', 'deadline = "90s"\nallowed_hosts = ["CDN.example.org", "api.example.org:8443"]'
            ),
        )
    )
    assert bounded.deadline == timedelta(seconds=90) and bounded.allowed_hosts == [
        "cdn.example.org",
        "api.example.org:8443",
    ]
    assert (
        bounded.fingerprint == load_source(write(tmp_path, GOOD.replace('interval = "1d"', ""))).fingerprint
    )  # read as before
    assert config.location() == "https://data.example.org/lieux.csv"
    assert config.map({"Nom du lieu": "EPN"}) == ({"nom": "EPN"}, [])


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda t: t.replace('name = "Lieux numériques de Ma Commune"\n', ""),
            "ma-commune.toml : champ « name » : champ obligatoire absent du fichier",
        ),
        (
            lambda t: t.replace('format = "table-csv"', 'format = "table-csv"\npath = "lieux.csv"'),
            "ma-commune.toml : indiquer soit « url » (une adresse web), soit « path » (un fichier), et un seul des deux",
        ),
        (
            lambda t: t.replace('url = "https://data.example.org/lieux.csv"\n', ""),
            "ma-commune.toml : indiquer soit « url »",
        ),
        (
            lambda t: t.replace('"table-csv"', '"ods"'),
            "ma-commune.toml : champ « format » : format inconnu « ods » (formats connus : csv, json",
        ),
        (
            lambda t: t.replace('"1d"', '"tous les jours"'),
            'ma-commune.toml : champ « interval » : intervalle « tous les jours » illisible : écrire par exemple "6h", "1d" ou "7d"',
        ),
        (lambda t: t.replace('"1d"', "24"), "ma-commune.toml : champ « interval » : attendu un texte"),
        (
            lambda t: t.replace('kind = "commune"', 'kind = "mairie"'),
            "ma-commune.toml : champ « kind » : valeur « mairie » inconnue (valeurs possibles : commune, association, network, instance ou file)",
        ),
        (
            lambda t: t.replace('id = "ma-commune"', 'id = "Ma Commune"'),
            "ma-commune.toml : champ « id » : « Ma Commune » n'est pas un identifiant court",
        ),
        (
            lambda t: t.replace('interval = "1d"', 'interval = "1d"\ntrust = 150'),
            "ma-commune.toml : champ « trust » : la confiance est un nombre entre 0 et 100",
        ),
        (
            lambda t: t.replace('interval = "1d"', 'interval = "1d"\nlicense = "MIT"'),
            "ma-commune.toml : champ « license » : clé inconnue (faute de frappe ?)",
        ),
        (
            lambda t: t.replace('"https://data.example.org/lieux.csv"', '"ftp://x.org/a.csv"'),
            "ma-commune.toml : champ « url » : « ftp://x.org/a.csv » n'est pas une adresse web http(s)",
        ),
        (
            lambda t: t.replace('interval = "1d"', 'interval = "1d"\nencoding = "klingon"'),
            "ma-commune.toml : champ « encoding » : encodage inconnu « klingon »",
        ),
        (
            lambda t: t.replace('interval = "1d"', 'interval = "1d"\nmax_size = "beaucoup"'),
            'ma-commune.toml : champ « max_size » : taille « beaucoup » illisible : écrire par exemple "20MB"',
        ),
        (
            lambda t: t.replace('interval = "1d"', 'interval = "1d"\ndeadline = "longtemps"'),
            'ma-commune.toml : champ « deadline » : durée « longtemps » illisible : écrire par exemple "30s", "5min" ou "1h"',
        ),
        (
            lambda t: t.replace('interval = "1d"', 'interval = "1d"\nallowed_hosts = ["https://cdn.example.org/"]'),
            "ma-commune.toml : champ « allowed_hosts » : « https://cdn.example.org/ » n'est pas un hôte : écrire seulement "
            'le nom de la machine, et son port s\'il le faut, par exemple "cdn.exemple.fr" ou "api.exemple.fr:8443"',
        ),
        (
            lambda t: t.replace(
                'url = "https://data.example.org/lieux.csv"', 'path = "lieux.csv"\nallowed_hosts = ["cdn.example.org"]'
            ),
            "ma-commune.toml : « allowed_hosts » ne vaut que pour une source web (« url ») : une source locale lit son dossier",
        ),
        (
            lambda t: t.replace('nom = "Nom du lieu"', 'nomm = "Nom du lieu"'),
            "ma-commune.toml : [mapping] : nomm : « nomm » n'est pas un champ du standard national",
        ),
        (
            lambda t: t.replace('nom = "Nom du lieu"', 'services = { column = "s", valeurs = {} }'),
            "ma-commune.toml : [mapping] : services : clé inconnue « valeurs »",
        ),
        (
            lambda t: t.replace('interval = "1d"', 'interval = "1d"\n[reader]\nsheet = "Feuil1"'),
            "ma-commune.toml : [reader] : option « sheet » inconnue pour le format « table-csv » (options possibles : delimiter, header_row)",
        ),
        (
            lambda t: t.replace('interval = "1d"', 'interval = "1d"\n[reader]\nheader_row = 0'),
            "ma-commune.toml : [reader] : header_row « 0 » : attendu le numéro de la ligne d'en-tête",
        ),
        (
            lambda t: t.replace(
                'nom = "Nom du lieu"',
                'publics_specifiquement_adresses = { column = "p", values = { "Seniors" = "Seniors (+ 65 ans)" } }',
            ),
            "ma-commune.toml : [mapping] : publics_specifiquement_adresses.values.« Seniors » : « Seniors (+ 65 ans) » n'est pas "
            "un terme du vocabulaire « Publics spécifiquement adressés » (termes proches : « Seniors »)",
        ),
        (
            lambda t: t.replace(
                'nom = "Nom du lieu"',
                'services = { column = "s", split = ",", values = { "Démarches" = ["Aide aux démarches administratives", "Démarches en ligne"] } }',
            ),
            "ma-commune.toml : [mapping] : services.values.« Démarches » : « Démarches en ligne » n'est pas un terme du vocabulaire « Services »",
        ),
        (
            lambda t: t.replace('interval = "1d"', 'interval = "1d"\n[pagination]\nnext = "links.next"'),
            "ma-commune.toml : [pagination] ne vaut que pour les formats JSON",
        ),
        (
            lambda t: t + '\n[[samples]]\ninput = { "Nom du lieu" = "EPN" }\nexpected = { nomm = "EPN" }\n',
            "ma-commune.toml : [[samples]] n° 1, expected : « nomm » n'est pas un champ du standard national",
        ),
        (
            lambda t: t.replace('id = "ma-commune"', 'id = "ma-commune'),
            "ma-commune.toml : syntaxe TOML invalide ligne 2",
        ),
    ],
)
def test_broken_files_get_french_messages_naming_file_and_field(tmp_path, change, expected):
    problems = problems_of(tmp_path, change(GOOD))
    assert any(p.startswith(expected) for p in problems), problems


def test_values_targets_may_be_labels_codes_or_nothing_of_the_fields_vocabulary(tmp_path):
    text = GOOD.replace(
        'nom = "Nom du lieu"',
        """nom = "Nom du lieu"
typologie = { column = "t", values = { "Mairie" = "MUNI", "Médiathèque" = "Bibliothèque / Médiathèque", "Autre" = "" } }
publics_specifiquement_adresses = { column = "p", values = { "+65" = "seniors", "Tous" = "", "Ados" = ["Jeunes", "Étudiants"] } }
code_postal = { column = "Ville", values = { "Lyon 3e" = "69003" } }""",
    )
    config = load_source(write(tmp_path, text))
    record, problems = config.map({"Nom du lieu": "EPN", "t": "Médiathèque", "p": "Ados", "Ville": "Lyon 3e"})
    assert problems == [] and record == {
        "nom": "EPN",
        "typologie": ["Bibliothèque / Médiathèque"],
        "publics_specifiquement_adresses": ["Jeunes", "Étudiants"],
        "code_postal": "69003",
    }


def test_every_problem_of_a_file_is_listed_at_once(tmp_path):
    text = (
        GOOD.replace('name = "Lieux numériques de Ma Commune"\n', "")
        .replace('"table-csv"', '"ods"')
        .replace('"1d"', '"bientôt"')
    )
    problems = problems_of(tmp_path, text)
    assert len(problems) == 3 and all(p.startswith("ma-commune.toml : champ « ") for p in problems)


def test_a_missing_file(tmp_path):
    with pytest.raises(SourceConfigError, match=re.escape("absent.toml : fichier illisible")):
        load_source(tmp_path / "absent.toml")


def test_duplicate_ids_and_broken_files_in_a_folder(tmp_path):
    write(tmp_path, GOOD, "a.toml")
    write(tmp_path, GOOD, "b.toml")
    write(tmp_path, GOOD.replace('kind = "commune"', ""), "c.toml")
    with pytest.raises(SourceConfigError) as caught:
        load_sources(tmp_path)
    assert caught.value.problems == [
        "c.toml : champ « kind » : champ obligatoire absent du fichier",
        "b.toml : champ « id » : l'identifiant « ma-commune » est déjà celui de a.toml",
    ]


def test_a_path_is_relative_to_the_source_file(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "lieux.csv").write_text("Nom du lieu;Ville\nEPN;Lyon\n", encoding="utf-8")
    config = load_source(
        write(tmp_path, GOOD.replace('url = "https://data.example.org/lieux.csv"', 'path = "data/lieux.csv"'))
    )
    assert config.location() == str(tmp_path / "data" / "lieux.csv")
    items = list(config.make_reader().read(Path(config.location()).read_bytes()))
    assert config.map(items[0].record)[0] == {"nom": "EPN"}


def test_failing_samples_are_reported_field_by_field_in_french(tmp_path, places):
    text = (
        GOOD
        + """
id = "Nom du lieu"
adresse = "Adresse"
code_postal = "CP"
commune = "Ville"
date_maj = { value = "2024-01-02" }
services = { column = "Services", split = ",", values = { "Démarches" = "Aide aux démarches administratives" } }

[[samples]]
input = { "Nom du lieu" = "EPN", Adresse = "1 rue X", CP = "69003", Ville = "Lyon", Services = "Démarches, Jeux" }
expected = { nom = "EPN", code_postal = "69008", services = ["Aide aux démarches administratives", "Loisirs et créations numériques"] }

[[samples]]
input = { "Nom du lieu" = "Sans adresse" }
expected = { nom = "Sans adresse" }
"""
    )
    failures = check_samples(load_source(write(tmp_path, text)), places=places, today=TODAY)
    assert [(f.sample, f.field) for f in failures] == [(1, "code_postal"), (1, "services"), (2, "*")]
    assert str(failures[0]) == "ma-commune, exemple n° 1 : champ « code_postal » : attendu « 69008 », obtenu « 69003 »"
    assert "« Jeux » ne fait pas partie du vocabulaire « Services »" in failures[1].message
    assert failures[2].message.startswith("le lieu est rejeté (")
    assert "adresse : ce champ est obligatoire et il est vide" in failures[2].message


# ------------------------------------------------------------ pagination


def test_pagination_by_next_link_or_page_number():
    by_link = Pagination(items="data", next="links.next")
    assert (
        by_link.next_url({"links": {"next": "/api/lieux?page=2"}}, "https://x.org/api/lieux", 1, 100)
        == "https://x.org/api/lieux?page=2"
    )
    assert by_link.next_url({"links": {"next": None}}, "https://x.org/api/lieux", 2, 100) is None
    by_number = Pagination(items="items", page_param="page", page_size_param="size", page_size=50)
    first = by_number.first_url("https://x.org/api?token=1")
    assert first == "https://x.org/api?token=1&page=1&size=50"
    assert by_number.next_url({}, first, 1, 50) == "https://x.org/api?token=1&page=2&size=50"
    assert by_number.next_url({}, first, 2, 12) is None  # a short page is the last
    with pytest.raises(ValueError, match="s'excluent"):
        Pagination(next="next", page_param="page")


def test_pagination_items_reach_the_json_reader(tmp_path):
    text = GOOD.replace('"table-csv"', '"table-json"') + '\n[pagination]\nitems = "data.lieux"\n'
    text = text.replace('url = "https://data.example.org/lieux.csv"', 'path = "lieux.json"')
    (tmp_path / "lieux.json").write_text('{"data": {"lieux": [{"Nom du lieu": "EPN"}]}}', encoding="utf-8")
    config = load_source(write(tmp_path, text))
    (item,) = config.make_reader().read(Path(config.location()).read_bytes())
    assert item.record == {"Nom du lieu": "EPN"}


def test_every_warning_of_a_sample_run_is_a_warning():
    config = load_source(SOURCES / "nouvelle-caledonie.toml")
    for sample in config.samples:
        _, problems = config.map(sample.input, today=TODAY)
        assert all(p.severity is Severity.WARNING for p in problems)
