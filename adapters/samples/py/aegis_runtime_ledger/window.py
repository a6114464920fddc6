"""`windowStartMs` of @aegis-runtime/core (budget/window.ts), in Python (LEDGER-WINDOW).

The start of the UTC minute, hour, day or month holding `nowMs`, over the whole range of a
JavaScript Date (|nowMs| <= 8.64e15 ms, years -271821 to 275760). Python's datetime stops at
year 9999, so months use civil-date arithmetic on the proleptic Gregorian calendar (Howard
Hinnant's days_from_civil / civil_from_days), with exact integers throughout.
"""

_MS_PER_DAY = 86_400_000
_UNIT_MS = {"minute": 60_000, "hour": 3_600_000, "day": _MS_PER_DAY}
_WINDOWS = ("minute", "hour", "day", "month")
_MAX_ABS_MS = 8_640_000_000_000_000  # the range of a JavaScript Date


def window_start_ms(now_ms, window):
    if type(window) is not str or window not in _WINDOWS:
        raise ValueError(f"unknown window {window!r} (expected one of {', '.join(_WINDOWS)})")
    now = _integer_ms(now_ms)
    if window == "month":
        year, month, _ = civil_from_days(now // _MS_PER_DAY)
        start = days_from_civil(year, month, 1) * _MS_PER_DAY
        if start < -_MAX_ABS_MS:  # the first month a Date holds begins before it can
            raise ValueError(f"the month of {now} starts before the first instant a Date holds")
        return start
    unit = _UNIT_MS[window]
    return now // unit * unit  # floor division: toward -infinity, so times before 1970 work


def _integer_ms(now_ms):
    """`now_ms` as an exact int: an integer number (as Number.isInteger: 5.0 counts, bool
    does not) within the range of a Date."""
    if type(now_ms) is float and now_ms.is_integer():  # is_integer is False for NaN and inf
        now_ms = int(now_ms)
    if type(now_ms) is not int:
        raise TypeError(f"nowMs must be an integer number, got {type(now_ms).__name__} {now_ms!r}")
    if abs(now_ms) > _MAX_ABS_MS:
        raise ValueError(f"nowMs {now_ms} is outside the range of a Date (|nowMs| <= {_MAX_ABS_MS})")
    return now_ms


def days_from_civil(year, month, day):
    """Days since 1970-01-01 of a proleptic Gregorian date (month 1..12)."""
    if month <= 2:  # the computation's year starts on March 1st
        year -= 1
    era = year // 400
    year_of_era = year - era * 400  # 0..399
    day_of_year = (153 * (month - 3 if month > 2 else month + 9) + 2) // 5 + day - 1  # 0..365
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year  # 0..146096
    return era * 146_097 + day_of_era - 719_468


def civil_from_days(days):
    """(year, month 1..12, day 1..31) of the day `days` after 1970-01-01 (negative: before)."""
    days += 719_468  # days since 0000-03-01
    era = days // 146_097
    day_of_era = days - era * 146_097  # 0..146096
    year_of_era = (day_of_era - day_of_era // 1460 + day_of_era // 36_524 - day_of_era // 146_096) // 365  # 0..399
    day_of_year = day_of_era - (365 * year_of_era + year_of_era // 4 - year_of_era // 100)  # 0..365
    shifted_month = (5 * day_of_year + 2) // 153  # 0..11, March first
    day = day_of_year - (153 * shifted_month + 2) // 5 + 1
    month = shifted_month + 3 if shifted_month < 10 else shifted_month - 9
    year = year_of_era + era * 400
    if month <= 2:  # January and February end the computation's year
        year += 1
    return year, month, day
