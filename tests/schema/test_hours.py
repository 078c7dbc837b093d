# SPDX-License-Identifier: Apache-2.0
from datetime import datetime

import pytest

from directory.schema import HoursError, OpeningHours


def test_open_now_and_until_when():
    hours = OpeningHours("Mo-Fr 09:00-12:00,14:00-18:30; Sa 08:30-12:00; PH off")
    wednesday_10h = datetime(2026, 11, 25, 10, 0)
    state = hours.state(wednesday_10h)
    assert state.is_open and state.until == datetime(2026, 11, 25, 12, 0)
    saturday_13h = datetime(2026, 11, 28, 13, 0)
    state = hours.state(saturday_13h)
    assert not state.is_open and state.until == datetime(2026, 11, 30, 9, 0)
    assert hours.next_opening(saturday_13h) == datetime(2026, 11, 30, 9, 0)


def test_french_public_holidays_close():
    hours = OpeningHours("Mo-Fr 09:00-12:00; PH off")
    christmas = datetime(2026, 12, 25, 10, 0)  # a Friday
    assert not hours.state(christmas).is_open
    assert hours.next_opening(christmas) == datetime(2026, 12, 28, 9, 0)


def test_fortnightly_bus_stop():
    hours = OpeningHours("week 1-53/2 Tu 09:00-12:30,13:30-15:30; PH off")
    opens = hours.next_opening(datetime(2026, 11, 23, 0, 0))
    assert opens is not None and opens.weekday() == 1 and opens.hour == 9


@pytest.mark.parametrize("text", ["Mo-Sun 00:00-00:00", "12:00-14:00-17:00", "Sa 17:00", "lundi 9h-12h", ""])
def test_invalid_expressions_are_refused_with_a_reason(text):
    assert OpeningHours.check(text)
    with pytest.raises(HoursError):
        OpeningHours(text)


def test_never_open():
    hours = OpeningHours("off")
    assert hours.next_opening(datetime(2026, 1, 1)) is None
    assert hours.state(datetime(2026, 1, 1)).until is None
