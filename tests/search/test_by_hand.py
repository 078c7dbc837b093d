# SPDX-License-Identifier: Apache-2.0
"""Search answers checked against expectations written by hand, on a few made-up venues.

The parity suite checks the backends against brute force over the demo store, which builds
its expectation with some of the code it tests (opening hours are read by ``OpeningHours``
on both sides). Here every expected answer is written out, so a change to that shared code
fails too: a filter dropped from the SQL, a state read the wrong way, a weight lost.
"""

from __future__ import annotations

from datetime import date, datetime

from directory.search import SearchIndex, SearchQuery

from .conftest import doc

#: Tuesday 3 March 2026 at 10:30, not a public holiday.
TUESDAY_1030 = datetime(2026, 3, 3, 10, 30)
LYON_3E = dict(commune="Lyon", code_postal="69003", code_insee="69383", latitude=45.7597, longitude=4.8422)
LYON_8E = dict(commune="Lyon", code_postal="69008", code_insee="69388", latitude=45.7347, longitude=4.8694)


def ids(index: SearchIndex, **params: object) -> set[str]:
    return set(index.query(SearchQuery(per_page=100, **params)).ids)  # type: ignore[arg-type]


def test_a_postcode_keeps_its_venues_only_whatever_else_is_asked(blank: SearchIndex):
    blank.upsert(
        [
            doc("p3a", "Espace numérique", **LYON_3E),
            doc("p3b", "Médiathèque du 3e", **LYON_3E),
            doc("p8a", "Espace numérique", **LYON_8E),
            doc("p8b", "Médiathèque du 8e", **LYON_8E),
        ]
    )
    assert ids(blank, code_postal="69003") == {"p3a", "p3b"}
    assert ids(blank, code_postal="69008", text="mediatheque") == {"p8b"}
    assert ids(blank, code_postal="69003", lat=45.75, lon=4.85, radius_km=10) == {"p3a", "p3b"}
    assert ids(blank, code_postal="69003", text="espace", lat=45.75, lon=4.85) == {"p3a"}
    assert ids(blank, code_insee="69388") == {"p8a", "p8b"}
    assert ids(blank, code_postal="69001") == set()


def test_open_now_counts_open_hours_only(blank: SearchIndex):
    """At 10:30 on a Tuesday, by hand: what opens at 10:30 is open, what closes at 10:30 is not,
    and hours in an « unknown » state are not counted as open."""
    hours = {
        "morning": "Tu 09:00-12:00",
        "from_1030": "Tu 10:30-11:00",
        "until_1030": "Tu 08:00-10:30",
        "by_appointment": 'Tu 09:00-12:00 "sur rendez-vous"',
        "unknown": "Tu 09:00-12:00 unknown",
        "afternoon": "Tu 14:00-17:00",
        "monday": "Mo 09:00-12:00",
        "off": "Tu 09:00-12:00 off",
    }
    blank.upsert(
        [doc(venue_id, f"Lieu {venue_id}", horaires=text, **LYON_3E) for venue_id, text in hours.items()]
        + [doc("no_hours", "Lieu sans horaires", **LYON_3E)]
    )
    expected = {"morning", "from_1030", "by_appointment"}
    assert ids(blank, open_at=TUESDAY_1030) == expected
    assert ids(blank, open_at=TUESDAY_1030, lat=45.75, lon=4.85, radius_km=10) == expected
    assert ids(blank, open_at=TUESDAY_1030, text="lieu") == expected
    assert ids(blank, open_at=datetime(2026, 3, 3, 15, 0)) == {"afternoon"}


def test_a_word_in_the_name_ranks_above_the_same_word_in_the_description(blank: SearchIndex):
    """The venue naming the word comes first, though its text is the longer one (bm25 alone
    prefers shorter texts) and its id sorts last."""
    blank.upsert(
        [
            doc(
                "z_name",
                "Atelier tablette",
                presentation_resume="Accueil de tous les publics du quartier, du lundi au samedi, "
                "avec des conseillers et du matériel en prêt.",
                **LYON_3E,
            ),
            doc("a_description", "Espace public", presentation_resume="Une tablette.", **LYON_3E),
        ]
    )
    result = blank.query(SearchQuery(text="tablette"))
    assert result.ids == ["z_name", "a_description"]
    near = blank.query(SearchQuery(text="tablette", lat=45.7597, lon=4.8422, sort="relevance"))
    assert near.ids == ["z_name", "a_description"]


def test_open_on_a_day_means_the_next_such_day_from_today(blank: SearchIndex):
    """From Thursday 5 March 2026, « Tuesday » is 10 March (five days on), not a day counted the
    wrong way round nor the real date's next Tuesday: a venue open that date only is found."""
    hours = {
        "tuesdays": "Tu 09:00-12:00",
        "on_10_march": "2026 Mar 10 09:00-12:00",
        "on_3_march": "2026 Mar 3 09:00-12:00",
        "mondays": "Mo 09:00-12:00",
        "wednesdays": "We 09:00-12:00",
    }
    blank.upsert([doc(venue_id, f"Lieu {venue_id}", horaires=text, **LYON_3E) for venue_id, text in hours.items()])
    thursday = date(2026, 3, 5)
    assert ids(blank, open_day=1, today=thursday) == {"tuesdays", "on_10_march"}
    assert ids(blank, open_day=3, today=thursday) == set()  # Thursday is today: no venue opens on Thursdays
    assert ids(blank, open_day=0, today=thursday) == {"mondays"}
