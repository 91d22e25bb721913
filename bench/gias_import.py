"""Benchmark: importing a national-size GIAS establishment extract.

Generates a GIAS-shaped file (50,000 rows by default, the extract's 140 columns, Windows-1252, realistic
names, about 150 local authorities), then times, on a fresh database:

  1. a first import of every LA's rows (--all-las: every row is written),
  2. a re-import of the same file (every row compared, none written),
  3. a re-import after 5% of schools changed name or closed,

and, as the baseline measured in the same run, reading the same file with the bare csv module.
It prints rows per second, each import as a ratio of the bare read, and the peak resident memory.

    .venv/bin/python bench/gias_import.py                       # SQLite, 50,000 rows
    .venv/bin/python bench/gias_import.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench
    .venv/bin/python bench/gias_import.py --rows 500            # the smoke run that `make test` does
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PLACES = [
    "Alderbrook", "Ashdown", "Beacon Hill", "Birchwood", "Bramley", "Brookfield", "Castlebrook", "Cedar Park",
    "Chalkwell", "Coppice", "Eastwater", "Elmstead", "Fairfield", "Fenmoor", "Foxley", "Greenacre", "Hartwell",
    "Hazelmere", "Heronfield", "Highgate Lane", "Hollybank", "Kingsmere", "Lark Rise", "Longmead", "Marshgate",
    "Meadowview", "Millbrook", "Northmarsh", "Oakwood", "Orchard Lane", "Parkside", "Queensway", "Ridgeway",
    "Riverside", "Rosehill", "Saltings", "Southfields", "Springvale", "Stonebridge", "Thornwick", "Upperton",
    "Westcliff", "Whitegates", "Willowbank", "Woodlands",
]
SAINTS = ["St Mary's", "St John's", "St Aidan's", "St Hilda's", "Holy Trinity", "St Peter's", "Our Lady's", "St Anne's"]
KINDS = [
    ("Primary", "Academy converter", "Primary School", 4, 11, 55),
    ("Primary", "Community school", "Community Primary School", 3, 11, 15),
    ("Primary", "Voluntary aided school", "Church of England Primary School", 4, 11, 10),
    ("Secondary", "Academy converter", "Academy", 11, 18, 8),
    ("Secondary", "Academy sponsor led", "High School", 11, 16, 5),
    ("Nursery", "Local authority nursery school", "Nursery School", 2, 5, 1),
    ("Not applicable", "Community special school", "School", 4, 19, 3),
    ("Not applicable", "Academy alternative provision converter", "Centre", 11, 16, 1),
    ("16 plus", "Academy 16-19 converter", "Sixth Form College", 16, 19, 1),
    ("All-through", "Free schools", "All-Through School", 4, 18, 1),
]
TRUSTS = [f"{place} Learning Trust" for place in PLACES[:20]] + ["Estuary Schools Partnership", "Diocese of Fenmoor Academy Trust"]
LA_CODES = [str(code) for code in range(201, 960, 5)]  # about 150 local authorities


def generate(path: Path, rows: int, seed: int = 1) -> None:
    """Write the file one row at a time: the generator never holds the extract in memory."""
    from app.services.gias_sample import write_gias_csv

    rng = random.Random(seed)
    weights = [kind[-1] for kind in KINDS]

    def establishments():
        for n in range(rows):
            phase, kind, suffix, low, high, _ = rng.choices(KINDS, weights)[0]
            place = rng.choice(PLACES)
            if kind == "Voluntary aided school":
                name = f"{rng.choice(SAINTS)} {suffix}"
            elif rng.random() < 0.02:
                name = f"École {place}"
            else:
                name = f"{place} {suffix}"
            closed = rng.random() < 0.12
            yield {
                "URN": str(100000 + n),
                "LA (code)": LA_CODES[n % len(LA_CODES)],
                "LA (name)": f"Authority {LA_CODES[n % len(LA_CODES)]}",
                "EstablishmentNumber": str(2000 + n % 8000),
                "EstablishmentName": name,
                "TypeOfEstablishment (name)": kind,
                "EstablishmentTypeGroup (name)": "Academies" if "Academy" in kind else "Local authority maintained schools",
                "EstablishmentStatus (name)": "Closed" if closed else "Open",
                "OpenDate": "01-09-2012",
                "CloseDate": "31-08-2023" if closed else "",
                "PhaseOfEducation (name)": phase,
                "StatutoryLowAge": low,
                "StatutoryHighAge": high,
                "NurseryProvision (name)": "Has Nursery Classes" if low < 4 else "No Nursery Classes",
                "OfficialSixthForm (name)": "Has a sixth form" if high >= 18 else "Does not have a sixth form",
                "Gender (name)": "Mixed",
                "ReligiousCharacter (name)": "Church of England" if "Church" in name else "Does not apply",
                "SchoolCapacity": rng.randint(100, 1800),
                "NumberOfPupils": rng.randint(60, 1700),
                "PercentageFSM": f"{rng.uniform(2, 55):.1f}",
                "Trusts (name)": rng.choice(TRUSTS) if "Academy" in kind or kind == "Free schools" else "",
                "Street": f"{rng.randint(1, 200)} {place} Road",
                "Town": place,
                "Postcode": f"FM{rng.randint(1, 20)} {rng.randint(1, 9)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}",
                "SchoolWebsite": f"www.{place.lower().replace(' ', '')}.example.org",
                "TelephoneNum": f"01632 {rng.randint(100000, 999999)}",
                "HeadTitle (name)": rng.choice(["Mr", "Mrs", "Ms", "Dr"]),
                "HeadFirstName": rng.choice(["Sam", "Alex", "Jo", "Priya", "Tom", "Aisha", "Chidi", "Ruth"]),
                "HeadLastName": rng.choice(["Ashworth", "Obi", "Nowak", "Rahman", "Doyle", "Quinn", "Mensah"]),
                "Easting": rng.randint(400000, 600000),
                "Northing": rng.randint(100000, 400000),
                "UPRN": str(rng.randint(10**10, 10**11)),
                # The long descriptive columns that make a real extract about 60 MB.
                "GOR (name)": "East of England",
                "DistrictAdministrative (name)": f"{place} District Council",
                "AdministrativeWard (name)": f"{place} and {rng.choice(PLACES)} Ward",
                "ParliamentaryConstituency (name)": f"{place} and {rng.choice(PLACES)}",
                "UrbanRural (name)": "(England/Wales) Urban city and town",
                "MSOA (name)": f"{place} {rng.randint(1, 40):03d}",
                "LSOA (name)": f"{place} {rng.randint(1, 40):03d}{rng.choice('ABCDE')}",
                "Diocese (name)": "Diocese of Fenmoor" if "Church" in name or "St " in name else "Not applicable",
                "AdmissionsPolicy (name)": "Not applicable" if phase == "Primary" else "Non-selective",
                "ReasonEstablishmentOpened (name)": "Academy Converter" if "Academy" in kind else "Not applicable",
                "ReasonEstablishmentClosed (name)": "Academy Converter" if closed else "Not applicable",
                "SpecialClasses (name)": "Not applicable",
                "TrustSchoolFlag (name)": "Supported by a multi-academy trust" if "Academy" in kind else "Not applicable",
                "SchoolSponsorFlag (name)": "Not applicable",
                "FederationFlag (name)": "Not under a federation",
                "BoardingEstablishment (name)": "Does not have boarders",
                "OfstedRating (name)": rng.choice(["Outstanding", "Good", "Requires improvement", ""]),
                "RSCRegion (name)": "East of England",
                "Country (name)": "United Kingdom",
                "InspectorateReport": f"https://reports.example.org/provider/{100000 + n}",
                "HeadPreferredJobTitle": "Headteacher",
                "SiteName": f"{name} main site",
                "County (name)": "Fenmoorshire",
                "Locality": f"{rng.choice(PLACES)} Green",
                **{f"SEN{k} (name)": rng.choice(["", "SpLD - Specific Learning Difficulty", "ASD - Autistic Spectrum Disorder", "SEMH - Social, Emotional and Mental Health"]) for k in range(1, 6)},
            }

    with path.open("wb") as binary:
        write_gias_csv(establishments(), binary)


def change_some(source: Path, target: Path, share: float, seed: int = 2) -> None:
    """A later extract: a share of schools renamed or closed."""
    rng = random.Random(seed)
    with source.open("r", encoding="cp1252", newline="") as reader_file, target.open("w", encoding="cp1252", newline="") as out:
        reader = csv.reader(reader_file)
        writer = csv.writer(out, lineterminator="\r\n")
        header = next(reader)
        name, status = header.index("EstablishmentName"), header.index("EstablishmentStatus (name)")
        writer.writerow(header)
        for row in reader:
            if rng.random() < share:
                if row[status] == "Open" and rng.random() < 0.3:
                    row[status] = "Closed"
                else:
                    row[name] = row[name] + " (renamed)"
            writer.writerow(row)


def bare_read(path: Path) -> float:
    started = time.perf_counter()
    with path.open("r", encoding="cp1252", newline="") as text:
        for _ in csv.reader(text):
            pass
    return time.perf_counter() - started


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def prepare_database(url: str) -> None:
    """A fresh, empty database at this URL (PostgreSQL: dropped and made again)."""
    if url.startswith("postgresql"):
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        target = make_url(url)
        admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{target.database}"'))
        admin.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--database-url", default="", help="default: a new SQLite file in a temporary folder")
    parser.add_argument("--all-las", action="store_true", default=True, help="import every LA's rows (the default)")
    parser.add_argument("--la", default=None, help="import only this LA's rows instead of every LA's")
    args = parser.parse_args(argv)

    os.environ.setdefault("GOLDEN_THREAD_ENV", "development")
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from app.services.gias import import_establishments

    with tempfile.TemporaryDirectory() as folder:
        folder_path = Path(folder)
        url = args.database_url or f"sqlite:///{folder_path / 'bench.db'}"
        prepare_database(url)
        extract, later = folder_path / "edubasealldata.csv", folder_path / "edubasealldata-later.csv"
        started = time.perf_counter()
        generate(extract, args.rows)
        change_some(extract, later, 0.05)
        size_mb = extract.stat().st_size / 1024 / 1024
        print(f"Generated {args.rows:,} rows x 140 columns, {size_mb:.1f} MB (Windows-1252) in {time.perf_counter() - started:.1f}s")

        baseline = bare_read(extract)
        print(f"Bare csv.reader over the file: {baseline:.2f}s ({args.rows / baseline:,.0f} rows/s) — the baseline")

        app = create_app(SQLALCHEMY_DATABASE_URI=url, PASSWORD_HASH_METHOD="pbkdf2:sha256:1")
        la_code = args.la
        with app.app_context():
            upgrade()
            print(f"Database: {db.engine.dialect.name}, LA: {la_code or 'every LA'}")
            for label, path in (("First import", extract), ("Re-import, same file", extract), ("Re-import, 5% changed", later)):
                started = time.perf_counter()
                with path.open("rb") as binary:
                    result = import_establishments(binary, la_code)
                db.session.commit()
                seconds = time.perf_counter() - started
                assert result.applied, result.problems
                written = result.rows_written
                print(
                    f"{label:<24} {seconds:6.2f}s  {args.rows / seconds:9,.0f} rows read/s  "
                    f"{(written / seconds) if written else 0:9,.0f} rows written/s  "
                    f"{seconds / baseline:5.1f}x the bare read  "
                    f"(added {result.added:,}, updated {result.updated:,}, unchanged {result.unchanged:,}, "
                    f"closed {result.closed:,}, skipped {result.skipped:,})"
                )
            db.session.remove()
            db.engine.dispose()
        print(f"Peak resident memory of the whole run: {peak_mb():.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
