"""A widget's times: `start`/`end` as AWS writes them, and the `timezone` of its time axis.

`start` and `end` are relative ISO 8601 durations before now ("-PT3H", "-P1D", "-PT0H") or
absolute timestamps ("2018-04-25T12:00:00.000Z"); `timezone` is "+HHMM" or "-HHMM" (UTC when
absent). Durations in months or years (calendar lengths) are not drawn locally.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from localcloud.metric_widget.errors import invalid

_DURATION = re.compile(
    r"-P(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?"
)
_CALENDAR = re.compile(r"-P(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T.*)?")
_OFFSET = re.compile(r"(?P<sign>[+-])(?P<hours>\d{2})(?P<minutes>\d{2})")


def moment(text: str, now: dt.datetime, path: str) -> dt.datetime:
    """The instant `text` names, relative to `now` (aware UTC); aware UTC."""
    duration = _DURATION.fullmatch(text)
    if duration and text not in ("-P", "-PT"):
        parts = {unit: int(count) for unit, count in duration.groupdict(default="0").items()}
        return now - dt.timedelta(**parts)
    if _CALENDAR.fullmatch(text) and text not in ("-P", "-PT"):
        raise NotImplementedError(f"durations in months or years ({text!r} at {path})")
    try:
        stamp = dt.datetime.fromisoformat(text)
    except ValueError:
        invalid(
            path,
            "Should be a relative time such as -PT3H or an ISO 8601 timestamp such as "
            f"2018-04-25T12:00:00.000Z, not {text!r}",
        )
    return stamp.replace(tzinfo=dt.UTC) if stamp.tzinfo is None else stamp.astimezone(dt.UTC)


def timezone(value: Any, path: str) -> dt.tzinfo:
    """The time zone of "+HHMM" or "-HHMM"; UTC for None."""
    if value is None:
        return dt.UTC
    match = _OFFSET.fullmatch(value) if isinstance(value, str) else None
    if match is None or int(match["hours"]) > 23 or int(match["minutes"]) > 59:
        invalid(path, f"Should be +HHMM or -HHMM (such as +0130), not {value!r}")
    offset = dt.timedelta(hours=int(match["hours"]), minutes=int(match["minutes"]))
    return dt.timezone(-offset if match["sign"] == "-" else offset)
