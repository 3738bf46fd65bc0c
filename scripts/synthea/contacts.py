"""Turns the Synthea sample patients into a contacts file for `journey`.

usage: python3 scripts/synthea/contacts.py DATA_DIR OUT.csv --as-of 2024-05-01 [--list NAME]

DATA_DIR holds `patients.csv`, `conditions.csv` and `encounters.csv` as
`../shared/data/synthea/SOURCE.md` describes them. The output has one row
per patient with the columns `journey contacts import` reads for the
schema of `tests/fixtures/synthea/schema.journey`. Synthea's records have
no e-mail address, no time zone and no death date, so this script derives
them, as follows (the test `tests/synthea.rs` checks the engine against
the same rules, computed separately):

- `id`: the patient's Synthea `Id`.
- `email`: `<Id>@patients.example.org`. The Id is a UUID, unique and valid
  as the local part of an address; `example.org` is reserved for examples,
  so no real mailbox can receive anything.
- `first_name`: `FIRST` without Synthea's numeric suffix (`Adeline686`
  becomes `Adeline`).
- `birth_date`: `BIRTHDATE`; `age`: whole years on the `--as-of` date.
- `timezone`: from `STATE` through the table below, the zone where most of
  the state's people live; `America/New_York` when the state is unknown.
- `has_diabetes`: an active condition (no `STOP`) whose description says
  `diabetes mellitus`: SNOMED's wording for type 1 and type 2 diabetes and
  their complications. `Prediabetes` is not diabetes.
- `has_hypertension`: an active `Essential hypertension` (SNOMED 59621000).
- `last_encounter`: the start of the latest encounter, read as local time
  in the patient's zone (the C-CDA gives no zone), written as an RFC 3339
  instant with its offset; empty when the patient has no encounter.
- `encounter_count`: the number of encounters.
- `deceased`: the patient has a `Death Certification` encounter (SNOMED
  308646001), which is how Synthea's C-CDA records a death.
- `lists`: every patient, deceased ones included, is put on `--list`
  (default `patients`), as a full export from an EHR would be; the journey
  decides what to do with the deceased.
"""

import argparse
import csv
import datetime
import os
import re
import sys
from zoneinfo import ZoneInfo

DEFAULT_ZONE = "America/New_York"

# One zone per state. Where a state spans two zones, the zone of most of
# its people. Known shortcoming: a patient in the other part of such a
# state (western Florida, eastern Tennessee, ...) gets the wrong zone;
# Synthea's own CSV export has a COUNTY column that could settle it, the
# C-CDA extraction has none.
STATE_ZONES = {
    "Alabama": "America/Chicago",
    "Alaska": "America/Anchorage",
    "Arizona": "America/Phoenix",
    "Arkansas": "America/Chicago",
    "California": "America/Los_Angeles",
    "Colorado": "America/Denver",
    "Connecticut": "America/New_York",
    "Delaware": "America/New_York",
    "District of Columbia": "America/New_York",
    "Florida": "America/New_York",
    "Georgia": "America/New_York",
    "Hawaii": "Pacific/Honolulu",
    "Idaho": "America/Boise",
    "Illinois": "America/Chicago",
    "Indiana": "America/Indiana/Indianapolis",
    "Iowa": "America/Chicago",
    "Kansas": "America/Chicago",
    "Kentucky": "America/New_York",
    "Louisiana": "America/Chicago",
    "Maine": "America/New_York",
    "Maryland": "America/New_York",
    "Massachusetts": "America/New_York",
    "Michigan": "America/Detroit",
    "Minnesota": "America/Chicago",
    "Mississippi": "America/Chicago",
    "Missouri": "America/Chicago",
    "Montana": "America/Denver",
    "Nebraska": "America/Chicago",
    "Nevada": "America/Los_Angeles",
    "New Hampshire": "America/New_York",
    "New Jersey": "America/New_York",
    "New Mexico": "America/Denver",
    "New York": "America/New_York",
    "North Carolina": "America/New_York",
    "North Dakota": "America/Chicago",
    "Ohio": "America/New_York",
    "Oklahoma": "America/Chicago",
    "Oregon": "America/Los_Angeles",
    "Pennsylvania": "America/New_York",
    "Rhode Island": "America/New_York",
    "South Carolina": "America/New_York",
    "South Dakota": "America/Chicago",
    "Tennessee": "America/Chicago",
    "Texas": "America/Chicago",
    "Utah": "America/Denver",
    "Vermont": "America/New_York",
    "Virginia": "America/New_York",
    "Washington": "America/Los_Angeles",
    "West Virginia": "America/New_York",
    "Wisconsin": "America/Chicago",
    "Wyoming": "America/Denver",
}

HYPERTENSION = "59621000"
DEATH_CERTIFICATION = "308646001"

COLUMNS = [
    "id",
    "email",
    "first_name",
    "birth_date",
    "timezone",
    "age",
    "has_diabetes",
    "has_hypertension",
    "last_encounter",
    "encounter_count",
    "deceased",
    "lists",
]


def read(folder, name):
    with open(os.path.join(folder, name), newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


def age_on(birth, day):
    birth = datetime.date.fromisoformat(birth)
    before_birthday = (day.month, day.day) < (birth.month, birth.day)
    return day.year - birth.year - before_birthday


def local_instant(naive, zone):
    moment = datetime.datetime.fromisoformat(naive).replace(tzinfo=ZoneInfo(zone))
    return moment.isoformat()


def contacts(folder, as_of, list_name):
    patients = read(folder, "patients.csv")
    conditions = read(folder, "conditions.csv")
    encounters = read(folder, "encounters.csv")

    diabetic, hypertensive = set(), set()
    for condition in conditions:
        if condition["STOP"]:
            continue
        if "diabetes mellitus" in condition["DESCRIPTION"].lower():
            diabetic.add(condition["PATIENT"])
        if condition["CODE"] == HYPERTENSION:
            hypertensive.add(condition["PATIENT"])

    latest, counts, deceased = {}, {}, set()
    for encounter in encounters:
        patient = encounter["PATIENT"]
        counts[patient] = counts.get(patient, 0) + 1
        latest[patient] = max(latest.get(patient, ""), encounter["START"])
        if encounter["CODE"] == DEATH_CERTIFICATION:
            deceased.add(patient)

    for patient in patients:
        pid = patient["Id"]
        zone = STATE_ZONES.get(patient["STATE"], DEFAULT_ZONE)
        last = latest.get(pid)
        yield {
            "id": pid,
            "email": f"{pid}@patients.example.org",
            "first_name": re.sub(r"\d+$", "", patient["FIRST"]),
            "birth_date": patient["BIRTHDATE"],
            "timezone": zone,
            "age": age_on(patient["BIRTHDATE"], as_of),
            "has_diabetes": str(pid in diabetic).lower(),
            "has_hypertension": str(pid in hypertensive).lower(),
            "last_encounter": local_instant(last, zone) if last else "",
            "encounter_count": counts.get(pid, 0),
            "deceased": str(pid in deceased).lower(),
            "lists": list_name,
        }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", help="the folder with patients.csv, conditions.csv, encounters.csv")
    parser.add_argument("out", help="the contacts file to write")
    parser.add_argument(
        "--as-of",
        required=True,
        type=datetime.date.fromisoformat,
        help="the day ages are counted on (YYYY-MM-DD)",
    )
    parser.add_argument("--list", default="patients", help="the list every patient joins")
    args = parser.parse_args()

    rows = list(contacts(args.data, args.as_of, args.list))
    with open(args.out, "w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"{len(rows)} contacts written to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
