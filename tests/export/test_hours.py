# SPDX-License-Identifier: Apache-2.0
"""The regular week of OSM hours, for schema.org ``openingHoursSpecification``."""

from __future__ import annotations

import pytest

from directory.export._hours import weekly_ranges


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Tu,Th 09:00-12:00", [("Tu", "09:00:00", "12:00:00"), ("Th", "09:00:00", "12:00:00")]),
        ("Mo-Fr 09:00-18:00; We off", [(d, "09:00:00", "18:00:00") for d in ("Mo", "Tu", "Th", "Fr")]),
        ("Mo-Sa 09:00-12:00; Sa 09:00-11:00", [*[(d, "09:00:00", "12:00:00") for d in ("Mo", "Tu", "We", "Th", "Fr")],
                                               ("Sa", "09:00:00", "11:00:00")]),
        ("Mo 10:00-12:00, We 14:00-16:00", [("Mo", "10:00:00", "12:00:00"), ("We", "14:00:00", "16:00:00")]),
        ("Sa-Mo 10:00-11:00", [("Mo", "10:00:00", "11:00:00"), ("Sa", "10:00:00", "11:00:00"), ("Su", "10:00:00", "11:00:00")]),
        ("Mo-Fr 08:30-12:30; PH off", [(d, "08:30:00", "12:30:00") for d in ("Mo", "Tu", "We", "Th", "Fr")]),
        ("Mo 10:00-24:00", [("Mo", "10:00:00", "23:59:59")]),
        ("24/7", [(d, "00:00:00", "23:59:59") for d in ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")]),
    ],
)  # fmt: skip
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
