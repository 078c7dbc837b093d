# SPDX-License-Identifier: Apache-2.0
"""Values as a spreadsheet gives them: dates as serial numbers, phone numbers as numbers.

A commune's workbook keeps a date typed in a cell without a date format as Excel's serial number
(days since 1899-12-30: 45292 is 2024-01-01); openpyxl returns a datetime only for cells formatted as
dates, the number otherwise, and a CSV saved from such a sheet writes « 45292 ». A phone number typed
as a number loses its leading zero (04 78 12 34 56 → 478123456) and, read as a float, gains « .0 ».
Both are read here, wherever the record came from (a workbook, the CSV made from it, a JSON export of
it): losing the venue's date, and with it the venue, for the way a spreadsheet stores it would lose
what the producer did write.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

__all__ = ["EXCEL_EPOCH", "serial_date", "phone_digits"]

#: Day 0 of Excel's (and LibreOffice's) date serial numbers, 1900 leap-year bug included.
EXCEL_EPOCH = date(1899, 12, 30)
#: Serial numbers read as dates: 1990-01-01 to 2099-12-31. A date of update outside them is no date
#: a directory record carries; a number there is something else (a postcode, a count) and stays an error.
_FIRST, _LAST = (date(1990, 1, 1) - EXCEL_EPOCH).days, (date(2099, 12, 31) - EXCEL_EPOCH).days
_SERIAL_TEXT = re.compile(r"\d{5}(?:[.,]\d+)?")
_NUMBER_TEXT = re.compile(r"(\d{6,15})[.,]0+")


def serial_date(raw: Any) -> date | None:
    """The date a spreadsheet's serial number stands for (its time of day dropped), or None when
    ``raw`` is not a number (or digits) in the plausible range."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, str):
        text = raw.strip()
        if not _SERIAL_TEXT.fullmatch(text):
            return None
        raw = float(text.replace(",", "."))
    if not isinstance(raw, (int, float)) or raw != raw:
        return None
    if not _FIRST <= raw < _LAST + 1:
        return None
    return EXCEL_EPOCH + timedelta(days=int(raw))


def phone_digits(raw: Any) -> str | None:
    """A phone number a spreadsheet kept as a number, back as its digits with the leading zero a
    number cannot hold (478123456 or 478123456.0 → « 0478123456 »); None when ``raw`` is not that."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, float):
        if not raw.is_integer():
            return None
        raw = int(raw)
    if isinstance(raw, int):
        digits = str(raw)
    elif isinstance(raw, str) and (match := _NUMBER_TEXT.fullmatch(raw.strip())):
        digits = match.group(1)
    else:
        return None
    return "0" + digits if len(digits) == 9 else digits
