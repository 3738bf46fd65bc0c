#!/usr/bin/env python3
"""Independent oracle for the journey runtime's time rules.

Computes the expected instant of every case in a table with Python's
`zoneinfo` (the operating system's tzdata) and writes the table, inputs and
expected outputs, to `cases.json` next to this file. The Rust test
`runtime/tests/time_cases.rs` reads that file, so CI needs no Python.

The rules are the ones in the module doc of `runtime/src/time/mod.rs`,
implemented here again from scratch:

- local to UTC: the offsets a zone uses near the local time are sampled; a
  local time that one offset reads back is unique, two means a fall-back
  overlap (the earlier instant wins), none means a spring-forward gap, read
  with the offset in force before the gap. The transition is found by
  bisection on the instant, and the result is checked against PEP 495
  (`fold=0`), which defines the same reading.
- windows are found by brute force: every whole minute from `now` on is
  tested against the definition of "open", no cleverness.
- yearly dates try every year near `now` and keep the first at or after it.

Run with Python 3.11 or later: `python3 runtime/tests/time/oracle.py`.
"""

import calendar
import json
import platform
import sys
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

UTC = timezone.utc
MINUTE = timedelta(minutes=1)
SECOND = timedelta(seconds=1)

ZONES = [
    "America/New_York",
    "America/Chicago",
    "Europe/Berlin",
    "Europe/London",
    "Asia/Tokyo",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Australia/Lord_Howe",
    "Pacific/Apia",
    "America/Phoenix",
    "Pacific/Auckland",
    "UTC",
]

# Days used as "transition days" in zones that keep one offset all year, so
# that they get the same kinds of cases on ordinary days.
ORDINARY_DAYS = [date(2027, 3, 14), date(2026, 11, 1)]

WEEKDAY_NAMES = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


# --- reading instants and local times ------------------------------------


def zone(name):
    return ZoneInfo(name)


def offset_at(instant, tz):
    """The zone's offset at a UTC instant."""
    return instant.astimezone(tz).utcoffset()


def local_of(instant, tz):
    """The naive wall-clock reading of a UTC instant."""
    return instant.astimezone(tz).replace(tzinfo=None)


def as_utc(naive):
    return naive.replace(tzinfo=UTC)


def offsets_near(naive, tz):
    """Every offset the zone uses within 30 hours of `naive` read as UTC."""
    found = set()
    probe = as_utc(naive) - timedelta(hours=30)
    end = as_utc(naive) + timedelta(hours=30)
    while probe <= end:
        found.add(offset_at(probe, tz))
        probe += timedelta(minutes=30)
    return found


def local_to_utc(naive, tz):
    """The instant the wall clock shows `naive`, by the gap and overlap rules."""
    readings = sorted(
        as_utc(naive) - offset
        for offset in offsets_near(naive, tz)
        if local_of(as_utc(naive) - offset, tz) == naive
    )
    if readings:
        result = readings[0]
    else:
        result = as_utc(naive) - offset_before_jump_over(naive, tz)

    pep495 = naive.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if pep495 != result:
        raise AssertionError(f"PEP 495 reads {naive} in {tz} as {pep495}, not {result}")
    return result


def offset_before_jump_over(naive, tz):
    """The offset in force just before the clock jumps over `naive`."""
    low = as_utc(naive) - timedelta(hours=30)
    high = as_utc(naive) + timedelta(hours=30)
    # Invariant: the clock shows at most `naive` at `low` and more at `high`.
    while high - low > SECOND:
        middle = low + (high - low) // 2
        middle = middle.replace(microsecond=0)
        if local_of(middle, tz) <= naive:
            low = middle
        else:
            high = middle
    return offset_at(low, tz)


# --- durations -----------------------------------------------------------

UNIT_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600}


def add_months(naive, months):
    index = naive.year * 12 + (naive.month - 1) + months
    year, month0 = divmod(index, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    return naive.replace(year=year, month=month0 + 1, day=min(naive.day, last))


def split(parts):
    months = sum(amount for amount, unit in parts if unit == "months")
    days = sum(amount for amount, unit in parts if unit == "days")
    days += sum(7 * amount for amount, unit in parts if unit == "weeks")
    seconds = sum(amount * UNIT_SECONDS[unit] for amount, unit in parts if unit in UNIT_SECONDS)
    return months, days, seconds


def add_to_local(naive, parts, negative, tz):
    months, days, seconds = split(parts)
    sign = -1 if negative else 1
    moved = add_months(naive, sign * months) + timedelta(days=sign * days)
    return local_to_utc(moved, tz) + timedelta(seconds=sign * seconds)


def add(instant, parts, negative, tz):
    months, days, seconds = split(parts)
    sign = -1 if negative else 1
    if months == 0 and days == 0:
        return instant + timedelta(seconds=sign * seconds)
    return add_to_local(local_of(instant, tz), parts, negative, tz)


# --- waits until ---------------------------------------------------------


def until_local(day, at, tz):
    return local_to_utc(datetime.combine(day, at or time(0)), tz)


def until_relative(field, offset, at, tz):
    if "datetime" in field:
        moved = parse_instant(field["datetime"])
        if offset:
            moved = add(moved, offset["duration"], offset["negative"], tz)
    else:
        start = datetime.combine(date.fromisoformat(field["date"]), time(0))
        if offset:
            moved = add_to_local(start, offset["duration"], offset["negative"], tz)
        else:
            moved = local_to_utc(start, tz)
    if at is None:
        return moved
    return local_to_utc(datetime.combine(local_of(moved, tz).date(), at), tz)


def yearly_occurrence(month, day, year):
    if month == 2 and day == 29 and not calendar.isleap(year):
        return date(year, 2, 28)
    try:
        return date(year, month, day)
    except ValueError:
        return None


def next_yearly(now, field_date, at, offset, tz):
    year = local_of(now, tz).year
    candidates = []
    for candidate_year in range(year - 3, year + 4):
        occurrence = yearly_occurrence(field_date.month, field_date.day, candidate_year)
        field = {"date": occurrence.isoformat()}
        instant = until_relative(field, offset, at, tz)
        if instant >= now:
            candidates.append(instant)
    return min(candidates)


# --- windows -------------------------------------------------------------


def day_allowed(days, day):
    if days == "every":
        return True
    if isinstance(days, dict):
        return day.day == days["month_day"]
    weekday = WEEKDAY_NAMES[day.weekday()]
    for name in days:
        if name == weekday:
            return True
        if name == "weekdays" and day.weekday() < 5:
            return True
        if name == "weekends" and day.weekday() >= 5:
            return True
    return False


def next_window_open(now, days, times, tz):
    """The first open instant at or after `now`, by brute force over minutes."""
    start = parse_time(times[0])
    end = parse_time(times[1]) if len(times) == 2 else None
    today = local_of(now, tz).date()
    openings = {
        local_to_utc(datetime.combine(today + timedelta(days=n), start), tz)
        for n in range(-2, 70)
        if day_allowed(days, today + timedelta(days=n))
    }

    def is_open(instant):
        if instant in openings:
            return True
        local = local_of(instant, tz)
        if not day_allowed(days, local.date()):
            return False
        if end is None:
            return local.time() == start
        return start <= local.time() < end

    if is_open(now):
        return now
    probe = now.replace(second=0, microsecond=0) + MINUTE
    limit = now + timedelta(days=70)
    while probe <= limit:
        if is_open(probe):
            return probe
        probe += MINUTE
    raise AssertionError(f"window never opens: {days} {times} from {now} in {tz}")


# --- formats -------------------------------------------------------------


def parse_instant(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def parse_time(text):
    return time.fromisoformat(text)


def instant_text(instant):
    instant = instant.astimezone(UTC)
    if instant.microsecond:
        return instant.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return instant.strftime("%Y-%m-%dT%H:%M:%SZ")


def local_text(instant, tz):
    """The expected instant on the zone's clock, for people reading the file."""
    return instant.astimezone(tz).isoformat()


def evaluate(case):
    tz = zone(case["zone"])
    kind = case["kind"]
    if kind == "local_to_utc":
        return local_to_utc(datetime.fromisoformat(case["local"]), tz)
    if kind == "add":
        return add(parse_instant(case["at"]), case["duration"], case["negative"], tz)
    if kind == "until_local":
        at = parse_time(case["time"]) if case["time"] else None
        return until_local(date.fromisoformat(case["date"]), at, tz)
    if kind == "until_relative":
        at = parse_time(case["at"]) if case["at"] else None
        return until_relative(case["field"], case["offset"], at, tz)
    if kind == "window":
        return next_window_open(parse_instant(case["now"]), case["days"], case["times"], tz)
    if kind == "next_yearly":
        return next_yearly(
            parse_instant(case["now"]),
            date.fromisoformat(case["date"]),
            parse_time(case["at"]),
            case["offset"],
            tz,
        )
    raise ValueError(kind)


# --- the cases -----------------------------------------------------------


def transitions(tz, first_year, last_year):
    """(instant, offset before, offset after) of each change in the years."""
    found = []
    probe = datetime(first_year, 1, 1, tzinfo=UTC)
    end = datetime(last_year + 1, 1, 1, tzinfo=UTC)
    previous = offset_at(probe, tz)
    while probe < end:
        following = probe + timedelta(hours=1)
        if offset_at(following, tz) != previous:
            low, high = probe, following
            while high - low > SECOND:
                middle = low + (high - low) // 2
                if offset_at(middle, tz) == previous:
                    low = middle
                else:
                    high = middle
            found.append((high, previous, offset_at(high, tz)))
            previous = offset_at(high, tz)
        probe = following
    return found


def hhmm(value):
    return value.strftime("%H:%M")


def duration(*parts):
    return [list(part) for part in parts]


class Table:
    def __init__(self):
        self.cases = []
        self.names = set()

    def add(self, name, **case):
        if name in self.names:
            raise ValueError(f"duplicate case name {name}")
        self.names.add(name)
        self.cases.append({"name": name, **case})


def local(day, clock):
    return datetime.combine(day, clock)


def jump_cases(table, tz, jump):
    """Cases around one change of a zone's offset (or an ordinary day)."""
    instant, before, after = jump
    tz_obj = zone(tz)
    jump_from = local_of(instant - SECOND, tz_obj) + SECOND  # clock before the jump
    jump_to = local_of(instant, tz_obj)  # clock after the jump
    day = jump_from.date()
    shift = after - before
    forward = shift > timedelta(0)
    backward = shift < timedelta(0)
    middle = (jump_from + shift / 2) if forward else (jump_to + (-shift) / 2)
    tag = f"{tz}/{day.isoformat()}"

    def instant_of(naive):
        return instant_text(local_to_utc(naive, tz_obj))

    # Local to UTC around the jump.
    for label, naive in [
        ("one minute before the jump", jump_from - MINUTE),
        ("the clock time the jump leaves", jump_from),
        ("inside the gap or overlap", middle),
        ("the clock time the jump lands on", jump_to),
        ("one minute after landing", jump_to + MINUTE),
    ]:
        table.add(f"{tag}: local {hhmm(naive)}, {label}", kind="local_to_utc", zone=tz,
                  local=naive.isoformat())

    # Durations across the jump.
    nine = time(9, 0)
    day_before = day - timedelta(days=1)
    day_after = day + timedelta(days=1)
    table.add(f"{tag}: 09:00 the day before + 1 day keeps 09:00", kind="add", zone=tz,
              at=instant_of(local(day_before, nine)), duration=duration((1, "days")),
              negative=False)
    table.add(f"{tag}: 09:00 the day before + 24 hours is exact", kind="add", zone=tz,
              at=instant_of(local(day_before, nine)), duration=duration((24, "hours")),
              negative=False)
    table.add(f"{tag}: 09:00 the day after - 1 day keeps 09:00", kind="add", zone=tz,
              at=instant_of(local(day_after, nine)), duration=duration((1, "days")), negative=True)
    table.add(f"{tag}: a week before at 20:00 + 1 week", kind="add", zone=tz,
              at=instant_of(local(day - timedelta(days=6), time(20, 0))),
              duration=duration((1, "weeks")), negative=False)
    table.add(f"{tag}: a month before at 12:00 + 1 month", kind="add", zone=tz,
              at=instant_of(add_months(local(day, time(12, 0)), -1)),
              duration=duration((1, "months")), negative=False)
    table.add(f"{tag}: the day before at the jump's middle + 1 day", kind="add", zone=tz,
              at=instant_of(local(day_before, middle.time())), duration=duration((1, "days")),
              negative=False)
    table.add(f"{tag}: the day before, an hour before the jump, + 1 day 2 hours", kind="add",
              zone=tz, at=instant_of(local(day_before, (jump_from - timedelta(hours=1)).time())),
              duration=duration((1, "days"), (2, "hours")), negative=False)
    table.add(f"{tag}: one second before the jump + 90 minutes", kind="add", zone=tz,
              at=instant_text(instant - SECOND), duration=duration((90, "minutes")), negative=False)
    if backward:
        second_reading = instant + (-shift) / 2
        table.add(f"{tag}: the second reading of the overlap + 1 hour is exact", kind="add",
                  zone=tz, at=instant_text(second_reading), duration=duration((1, "hours")),
                  negative=False)
        table.add(f"{tag}: the second reading of the overlap + 1 day", kind="add", zone=tz,
                  at=instant_text(second_reading), duration=duration((1, "days")), negative=False)
        table.add(f"{tag}: the second reading of the overlap - 30 minutes", kind="add",
                  zone=tz, at=instant_text(second_reading), duration=duration((30, "minutes")),
                  negative=True)

    # Local dates at a time.
    table.add(f"{tag}: until the day at the jump's middle", kind="until_local", zone=tz,
              date=day.isoformat(), time=hhmm(middle))
    table.add(f"{tag}: until the day at 09:00", kind="until_local", zone=tz,
              date=day.isoformat(), time="09:00")
    table.add(f"{tag}: until the day, no time", kind="until_local", zone=tz,
              date=day.isoformat(), time=None)

    # Relative to date and datetime fields.
    appointment = instant_of(local(day + timedelta(days=2), time(14, 0)))
    table.add(f"{tag}: datetime field - 2 days at 09:00", kind="until_relative", zone=tz,
              field={"datetime": appointment},
              offset={"negative": True, "duration": duration((2, "days"))}, at="09:00")
    table.add(f"{tag}: datetime field - 2 days", kind="until_relative", zone=tz,
              field={"datetime": appointment},
              offset={"negative": True, "duration": duration((2, "days"))}, at=None)
    table.add(f"{tag}: datetime field after the jump - 2 hours", kind="until_relative", zone=tz,
              field={"datetime": instant_text(instant + timedelta(minutes=30))},
              offset={"negative": True, "duration": duration((2, "hours"))}, at=None)
    table.add(f"{tag}: datetime field, no offset, at the jump's middle", kind="until_relative",
              zone=tz, field={"datetime": instant_text(instant + timedelta(hours=12))},
              offset=None, at=hhmm(middle))
    table.add(f"{tag}: date field - 1 day at the jump's middle", kind="until_relative", zone=tz,
              field={"date": day_after.isoformat()},
              offset={"negative": True, "duration": duration((1, "days"))}, at=hhmm(middle))
    table.add(f"{tag}: date field + 1 day, no time", kind="until_relative", zone=tz,
              field={"date": day_before.isoformat()},
              offset={"negative": False, "duration": duration((1, "days"))}, at=None)
    table.add(f"{tag}: date field - 1 week at 09:00", kind="until_relative", zone=tz,
              field={"date": (day + timedelta(days=7)).isoformat()},
              offset={"negative": True, "duration": duration((1, "weeks"))}, at="09:00")
    table.add(f"{tag}: date field, no offset, no time", kind="until_relative", zone=tz,
              field={"date": day.isoformat()}, offset=None, at=None)

    # Windows around the jump.
    before_jump = instant_text(instant - MINUTE)
    midnight = instant_of(local(day, time(0, 0)))
    weekday = WEEKDAY_NAMES[day.weekday()]
    low = min(jump_from, jump_to).time()
    high = max(jump_from, jump_to).time()
    hour_after = (datetime.combine(day, high) + timedelta(hours=1)).time()
    table.add(f"{tag}: window over the jump, every day, from just before", kind="window",
              zone=tz, now=before_jump, days="every", times=[hhmm(low), hhmm(hour_after)])
    table.add(f"{tag}: window starting inside the jump, from midnight", kind="window", zone=tz,
              now=midnight, days=[weekday], times=[hhmm(middle), hhmm(hour_after)])
    if low != high:
        table.add(f"{tag}: window exactly the jump, from midnight", kind="window", zone=tz,
                  now=midnight, days=[weekday], times=[hhmm(low), hhmm(high)])
    table.add(f"{tag}: single time inside the jump, from midnight", kind="window", zone=tz,
              now=midnight, days="every", times=[hhmm(middle)])
    table.add(f"{tag}: single time inside the jump, from just after the jump", kind="window",
              zone=tz, now=instant_text(instant + MINUTE), days="every", times=[hhmm(middle)])
    table.add(f"{tag}: weekdays 09:00-17:00 from 08:00 that day", kind="window", zone=tz,
              now=instant_of(local(day, time(8, 0))), days=["weekdays"], times=["09:00", "17:00"])
    table.add(f"{tag}: weekends 10:00-12:00 from the day before at 12:00", kind="window",
              zone=tz, now=instant_of(local(day_before, time(12, 0))), days=["weekends"],
              times=["10:00", "12:00"])
    table.add(f"{tag}: saturday, sunday 10:00-12:00 from two days before", kind="window",
              zone=tz, now=instant_of(local(day - timedelta(days=2), time(23, 0))),
              days=["saturday", "sunday"], times=["10:00", "12:00"])
    table.add(f"{tag}: the same weekday next week at 09:00, from 09:00:01", kind="window",
              zone=tz, now=instant_text(local_to_utc(local(day, nine), tz_obj) + SECOND),
              days=[weekday], times=["09:00"])
    table.add(f"{tag}: day of month of the jump at its middle, from a month before", kind="window",
              zone=tz, now=instant_of(add_months(local(day, time(12, 0)), -1)),
              days={"month_day": min(day.day, 28)}, times=[hhmm(middle)])
    if backward:
        first_reading = instant - (-shift) / 4
        table.add(f"{tag}: range inside the overlap, from its first reading's end", kind="window",
                  zone=tz, now=instant_text(first_reading), days="every",
                  times=[hhmm(jump_to), hhmm(local_of(first_reading, tz_obj))])
        table.add(f"{tag}: single time inside the overlap, after its first reading", kind="window",
                  zone=tz, now=instant_text(instant - SECOND), days="every",
                  times=[hhmm(middle)])

    # Yearly: the jump's date as a date field, at the jump's middle.
    table.add(f"{tag}: yearly on the jump's date at its middle", kind="next_yearly", zone=tz,
              now=instant_text(datetime(day.year, 1, 1, tzinfo=UTC)),
              date=day.replace(year=1990).isoformat(), at=hhmm(middle), offset=None)


def fixed_cases(table, tz):
    """Cases that do not depend on a change of offset."""
    tz_obj = zone(tz)

    def instant_of(naive):
        return instant_text(local_to_utc(naive, tz_obj))

    # Months that lack the day, and 29 February 2028.
    for label, start, parts, negative in [
        ("31 Jan 2027 + 1 month", local(date(2027, 1, 31), time(10, 0)), [(1, "months")], False),
        ("31 Jan 2028 + 1 month", local(date(2028, 1, 31), time(10, 0)), [(1, "months")], False),
        ("31 Mar 2027 - 1 month", local(date(2027, 3, 31), time(10, 0)), [(1, "months")], True),
        ("29 Feb 2028 + 12 months", local(date(2028, 2, 29), time(8, 30)), [(12, "months")], False),
        ("28 Feb 2028 + 1 day", local(date(2028, 2, 28), time(23, 30)), [(1, "days")], False),
        ("31 Jan 2027 + 1 month 1 day", local(date(2027, 1, 31), time(10, 0)),
         [(1, "days"), (1, "months")], False),
        ("30 Jan 2028 + 2 weeks 3 days 4 hours", local(date(2028, 1, 30), time(22, 0)),
         [(2, "weeks"), (3, "days"), (4, "hours")], False),
        ("1 Mar 2028 - 1 day 30 seconds", local(date(2028, 3, 1), time(0, 0)),
         [(1, "days"), (30, "seconds")], True),
    ]:
        table.add(f"{tz}: {label}", kind="add", zone=tz, at=instant_of(start),
                  duration=duration(*parts), negative=negative)

    table.add(f"{tz}: until 2028-02-29 at 09:00", kind="until_local", zone=tz,
              date="2028-02-29", time="09:00")
    table.add(f"{tz}: date field 2028-03-01 - 1 day at 07:15", kind="until_relative", zone=tz,
              field={"date": "2028-03-01"},
              offset={"negative": True, "duration": duration((1, "days"))}, at="07:15")

    # Yearly 29 February, and an occurrence equal to now.
    for label, now in [
        ("from 2027-01-01", datetime(2027, 1, 1, tzinfo=UTC)),
        ("from 2027-03-01", datetime(2027, 3, 1, tzinfo=UTC)),
        ("from 2028-02-29 10:00 local",
         local_to_utc(local(date(2028, 2, 29), time(10, 0)), tz_obj)),
    ]:
        table.add(f"{tz}: yearly 29 Feb at 09:00 {label}", kind="next_yearly", zone=tz,
                  now=instant_text(now), date="2000-02-29", at="09:00", offset=None)
    table.add(f"{tz}: yearly 29 Feb at 09:00 from that very moment", kind="next_yearly", zone=tz,
              now=instant_of(local(date(2028, 2, 29), time(9, 0))), date="2000-02-29", at="09:00",
              offset=None)
    table.add(f"{tz}: yearly renewal 15 Mar - 30 days at 10:00, leap year", kind="next_yearly",
              zone=tz, now=instant_text(datetime(2028, 1, 1, tzinfo=UTC)), date="2019-03-15",
              at="10:00", offset={"negative": True, "duration": duration((30, "days"))})
    table.add(f"{tz}: yearly 1 Mar + 1 month at 08:00", kind="next_yearly", zone=tz,
              now=instant_text(datetime(2027, 6, 1, tzinfo=UTC)), date="2001-03-01", at="08:00",
              offset={"negative": False, "duration": duration((1, "months"))})

    # Windows on ordinary days, every day-spec.
    friday = date(2027, 6, 4)
    saturday = date(2027, 6, 5)
    for label, now, days, times in [
        ("weekdays 09:00-17:00, Friday 16:59:59", local(friday, time(16, 59, 59)), ["weekdays"],
         ["09:00", "17:00"]),
        ("weekdays 09:00-17:00, Friday 17:00", local(friday, time(17, 0)), ["weekdays"],
         ["09:00", "17:00"]),
        ("weekdays 09:00-17:00, Saturday 19:00", local(saturday, time(19, 0)), ["weekdays"],
         ["09:00", "17:00"]),
        ("thursday 12:00-14:00, Friday noon", local(friday, time(12, 0)), ["thursday"],
         ["12:00", "14:00"]),
        ("mondays 08:00, Saturday", local(saturday, time(8, 0)), ["monday"], ["08:00"]),
        ("tuesday, wednesday, thursday 10:00, Friday", local(friday, time(9, 0)),
         ["tuesday", "wednesday", "thursday"], ["10:00"]),
        ("saturday, sunday 10:00-12:00, Saturday 11:00", local(saturday, time(11, 0)),
         ["saturday", "sunday"], ["10:00", "12:00"]),
        ("weekends 10:00-12:00, Friday", local(friday, time(13, 0)), ["weekends"],
         ["10:00", "12:00"]),
        ("weekends and monday 07:30, Sunday 08:00", local(date(2027, 6, 6), time(8, 0)),
         ["weekends", "monday"], ["07:30"]),
        ("every day 09:00-20:00, 20:00", local(friday, time(20, 0)), "every", ["09:00", "20:00"]),
        ("every day 09:00, exactly 09:00", local(friday, time(9, 0)), "every", ["09:00"]),
        ("every day 09:00, 09:00:30", local(friday, time(9, 0, 30)), "every", ["09:00"]),
        ("day 1 of month 09:00, 1 June 10:00", local(date(2027, 6, 1), time(10, 0)),
         {"month_day": 1}, ["09:00"]),
        ("day 15 of month 09:00-17:00, 15 June 16:00", local(date(2027, 6, 15), time(16, 0)),
         {"month_day": 15}, ["09:00", "17:00"]),
        ("day 28 of month 09:00, 29 Feb 2028", local(date(2028, 2, 29), time(9, 0)),
         {"month_day": 28}, ["09:00"]),
        ("day 28 of month 09:00, 27 Feb 2028", local(date(2028, 2, 27), time(9, 0)),
         {"month_day": 28}, ["09:00"]),
        ("sunday 23:59, Sunday 23:59:59", local(date(2027, 6, 6), time(23, 59, 59)), ["sunday"],
         ["23:59"]),
        ("weekdays 00:00-00:30, Saturday 00:10", local(saturday, time(0, 10)), ["weekdays"],
         ["00:00", "00:30"]),
    ]:
        table.add(f"{tz}: window {label}", kind="window", zone=tz, now=instant_of(now),
                  days=days, times=times)


def scenario_cases(table):
    """The named scenarios of the brief, also checked one by one in Rust."""
    table.add("scenario a: New York, until 02:30 on the spring-forward night",
              kind="until_local", zone="America/New_York", date="2027-03-14", time="02:30")
    table.add("scenario a: New York, until 01:30 on the fall-back night",
              kind="until_local", zone="America/New_York", date="2026-11-01", time="01:30")
    berlin = zone("Europe/Berlin")
    table.add("scenario b: Berlin, Saturday 20:00 waits until 09:45 the next day",
              kind="until_relative", zone="Europe/Berlin",
              field={"datetime": instant_text(local_to_utc(datetime(2027, 3, 27, 20, 0), berlin))},
              offset={"negative": False, "duration": duration((1, "days"))}, at="09:45")
    tokyo = zone("Asia/Tokyo")
    table.add("scenario c: Tokyo, weekdays 09:00-17:00 reached on Saturday evening",
              kind="window", zone="Asia/Tokyo",
              now=instant_text(local_to_utc(datetime(2027, 6, 5, 19, 30), tokyo)),
              days=["weekdays"], times=["09:00", "17:00"])


def build_table():
    table = Table()
    scenario_cases(table)
    for tz in ZONES:
        jumps = transitions(zone(tz), 2026, 2027)
        if not jumps:
            tz_obj = zone(tz)
            jumps = []
            for day in ORDINARY_DAYS:
                reference = local_to_utc(datetime.combine(day, time(2, 0)), tz_obj)
                offset = offset_at(reference, tz_obj)
                jumps.append((reference, offset, offset))
        for jump in jumps:
            jump_cases(table, tz, jump)
        fixed_cases(table, tz)
    return table


def main():
    table = build_table()
    for case in table.cases:
        expected = evaluate(case)
        case["expected"] = instant_text(expected)
        case["expected_local"] = local_text(expected, zone(case["zone"]))

    tzdata = Path("/usr/share/zoneinfo/tzdata.zi").read_text().splitlines()[0]
    output = {
        "about": "Expected instants for the journey runtime's time rules, computed by "
                 "runtime/tests/time/oracle.py; regenerate with that script, do not edit.",
        "python": platform.python_version(),
        "tzdata": tzdata.removeprefix("# version ").strip(),
        "cases": table.cases,
    }
    target = Path(__file__).with_name("cases.json")
    # One case a line: readable, and a regenerated file diffs line by line.
    lines = [json.dumps(case, ensure_ascii=False) for case in table.cases]
    header = json.dumps({key: value for key, value in output.items() if key != "cases"})
    text = header[:-1] + ', "cases": [\n' + ",\n".join(lines) + "\n]}\n"
    json.loads(text)
    target.write_text(text)
    print(f"{len(table.cases)} cases written to {target}", file=sys.stderr)


if __name__ == "__main__":
    main()
