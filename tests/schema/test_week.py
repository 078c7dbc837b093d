# SPDX-License-Identifier: Apache-2.0
"""The regular week of OSM hours: read (schema.org ``openingHoursSpecification``, the weekly editor) and written back."""

from __future__ import annotations

import pytest

from directory.schema import OpeningHours
from directory.schema.week import editable_week, read_week, weekly_ranges, write_week


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Tu,Th 09:00-12:00", [("Tu", "09:00:00", "12:00:00"), ("Th", "09:00:00", "12:00:00")]),
        ("Mo-Fr 09:00-18:00; We off", [(d, "09:00:00", "18:00:00") for d in ("Mo", "Tu", "Th", "Fr")]),
        (
            "Mo-Sa 09:00-12:00; Sa 09:00-11:00",
            [*[(d, "09:00:00", "12:00:00") for d in ("Mo", "Tu", "We", "Th", "Fr")], ("Sa", "09:00:00", "11:00:00")],
        ),
        ("Mo 10:00-12:00, We 14:00-16:00", [("Mo", "10:00:00", "12:00:00"), ("We", "14:00:00", "16:00:00")]),
        (
            "Sa-Mo 10:00-11:00",
            [("Mo", "10:00:00", "11:00:00"), ("Sa", "10:00:00", "11:00:00"), ("Su", "10:00:00", "11:00:00")],
        ),
        ("Mo-Fr 08:30-12:30; PH off", [(d, "08:30:00", "12:30:00") for d in ("Mo", "Tu", "We", "Th", "Fr")]),
        ("Mo 10:00-24:00", [("Mo", "10:00:00", "23:59:59")]),
        ("24/7", [(d, "00:00:00", "23:59:59") for d in ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")]),
    ],
)
def test_simple_weeks(text, expected):
    assert weekly_ranges(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "week 1-53/2 Tu 09:00-12:30; PH off",  # fortnightly
        'Mo-Fr 09:00-12:00 "sur rendez-vous"',  # comment
        "Mo 22:00-02:00",  # past midnight
        "Jan-Mar Mo 09:00-12:00",  # months
        "Mo[1] 09:00-12:00",  # first Monday
        "Mo-Fr 09:00+",  # open end
        "Mo-Fr sunrise-sunset",
        "",
        None,
    ],
)
def test_what_schema_org_cannot_say_gives_nothing(text):
    assert weekly_ranges(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "Mo-Fr 09:00-12:00,14:00-17:00; Sa 09:00-12:00",
        "Mo,We,Th 08:30-12:00,13:30-17:00; Tu 13:00-17:00; Fr 08:30-12:00,13:30-16:30",
        "Tu,Th 14:00-18:30",
        "Mo-Su 00:00-24:00",
    ],
)
def test_a_simple_week_is_written_back_as_it_was_read(text):
    assert write_week(read_week(text)) == text
    assert OpeningHours(text).text == text  # and it is valid OSM


def test_writing_groups_days_and_joins_touching_ranges():
    week = {
        "Mo": [(540, 720)],
        "Tu": [(540, 720)],
        "We": [(540, 720)],
        "Fr": [(840, 1020), (540, 720)],
        "Sa": [(540, 600), (600, 720)],
    }
    assert write_week(week) == "Mo-We,Sa 09:00-12:00; Fr 09:00-12:00,14:00-17:00"
    assert write_week({}) is None


@pytest.mark.parametrize(
    "text, editable",
    [
        ("", True),
        (None, True),
        ("Mo-Fr 09:00-12:00", True),
        ("Mo-Fr 09:00-12:00; PH off", False),
        ("SH Mo 10:00-12:00", False),
        ('Mo 10:00-12:00 "sur rendez-vous"', False),
        ("week 1-53/2 Mo 10:00-12:00", False),
    ],
)
def test_only_a_week_that_loses_nothing_is_editable_day_by_day(text, editable):
    assert (editable_week(text) is not None) is editable
