"""CSV that a spreadsheet opens as data: every writer of the project (quiz, checker, feedback)
goes through ``DictWriter`` here.

defusedcsv escapes a cell whose first character would start a formula (``= + - @ | %``);
OWASP's CSV-injection guidance adds cells that reach one after leading tabs, carriage returns,
new lines or spaces, which spreadsheets skip: those get the same leading apostrophe here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from defusedcsv import csv

FORMULA_START = tuple("=+-@|%")
SKIPPED = "\t\r\n "


def neutral(value: Any) -> Any:
    """``value``, with an apostrophe in front when a spreadsheet would run it as a formula after
    skipping leading white space (defusedcsv sees only the first character)."""
    if isinstance(value, str) and value[:1] in SKIPPED and value.lstrip(SKIPPED).startswith(FORMULA_START):
        return "'" + value
    return value


class DictWriter(csv.DictWriter):  # type: ignore[misc]
    """defusedcsv's DictWriter, also neutralising formulas behind leading white space."""

    def writerow(self, rowdict: Mapping[str, Any]) -> Any:
        return super().writerow({k: neutral(v) for k, v in rowdict.items()})

    def writerows(self, rowdicts: Iterable[Mapping[str, Any]]) -> None:
        for row in rowdicts:
            self.writerow(row)
