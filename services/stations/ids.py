"""A station's id: the route data feature's id ("node/456", "way/123", "demo/st-1"). ASCII
only, because it travels in callback data, URLs, the API's JSON Schema pattern (where `\\s`
and `\\w` mean less than in Python: U+0085 is space to one, not the other) and the tables'
120-character column. One rule, read by the route data's checks, the services and the API."""

from __future__ import annotations

import re

from services.errors import Invalid

STATION_ID_MAX = 120  # models/stations.py: station_id max_length
_CHARS = "A-Za-z0-9_./:@-"
# The API's pattern (JSON Schema, ECMA-262: `$` is the end of the text there).
STATION_ID_PATTERN = rf"^[{_CHARS}]{{1,{STATION_ID_MAX}}}$"
# Python's `$` also matches before a final newline: fullmatch, not the pattern above.
_STATION_ID = re.compile(rf"[{_CHARS}]{{1,{STATION_ID_MAX}}}")


def is_station_id(value: object) -> bool:
    return isinstance(value, str) and _STATION_ID.fullmatch(value) is not None


def check_station_id(value: str) -> str:
    """Refuses an id no station can have (before looking it up), in the reader's language."""
    if not is_station_id(value):
        raise Invalid("station_id_invalid", most=STATION_ID_MAX)
    return value
