"""A small demo history built end to end by the real `kpi build`, shared by the pipeline tests."""

import hashlib
import math
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pytest

from dagster_project.demo import writer
from dagster_project.demo.model import Config

REPO = Path(__file__).resolve().parents[2]
KPI = str(Path(sys.executable).parent / "kpi")
START = date(2024, 12, 1)
DAYS = 90


@dataclass
class Stack:
    """One isolated installation: sources, warehouse, serving file and Dagster home under one folder."""

    root: Path
    sources: Path

    @property
    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "KPI_DATA_DIR": str(self.root / "data"),
            "KPI_SOURCES_DIR": str(self.sources),
            "KPI_MAPPINGS_DIR": str(self.root / "mappings"),
            "KPI_START_DATE": START.isoformat(),
            # every Dagster event on the console: the crash test waits for a step to start
            "KPI_LOG_LEVEL": "DEBUG",
            "DAGSTER_HOME": str(self.root / "dagster_home"),
        }

    @property
    def warehouse(self) -> Path:
        return self.root / "data" / "warehouse" / "warehouse.duckdb"

    @property
    def serving(self) -> Path:
        return self.root / "data" / "warehouse" / "serving.duckdb"

    def kpi(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [KPI, *args], env=self.env, cwd=REPO, capture_output=True, text=True, timeout=900, check=False
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"kpi {' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
            )
        return result

    def popen(self, *args: str, log: Path) -> subprocess.Popen:
        return subprocess.Popen(
            [KPI, *args], env=self.env, cwd=REPO, stdout=open(log, "w"), stderr=subprocess.STDOUT
        )

    def copy(self, target: Path) -> "Stack":
        shutil.copytree(self.root, target, symlinks=True)
        return Stack(target, self.sources)


def last_day() -> str:
    return date.fromordinal(START.toordinal() + DAYS - 1).isoformat()


@dataclass(frozen=True)
class MartState:
    """A mart's rows in short: exact for every non-float column, within rounding noise for the floats."""

    rows: int
    exact_hash: int
    float_sums: tuple[float, ...]

    def __eq__(self, other: object) -> bool:
        # DuckDB's parallel sums may differ in the last bits from build to build; money is compared to 1e-6.
        return (
            isinstance(other, MartState)
            and (self.rows, self.exact_hash) == (other.rows, other.exact_hash)
            and len(self.float_sums) == len(other.float_sums)
            and all(
                math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)
                for a, b in zip(self.float_sums, other.float_sums, strict=True)
            )
        )


# Columns saying when a step ran (load lineage, build and scoring times), not what the data says.
RUN_STAMPS = ("loaded_at", "_loaded_at", "_load_id", "built_at", "scored_at", "last_training_at")


def mart_checksums(warehouse: Path) -> dict[str, MartState]:
    """Every mart's row count, hash of its exact columns and sums of its float columns (load lineage excluded)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = [
            t
            for (t,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts' order by 1"
            ).fetchall()
        ]
        states = {}
        for table in tables:
            columns = con.execute(
                "select column_name, data_type from information_schema.columns where table_schema = 'marts' "
                "and table_name = ? and not list_contains(?, column_name) order by ordinal_position",
                [table, list(RUN_STAMPS)],
            ).fetchall()
            exact = ", ".join(f'"{c}"' for c, t in columns if t not in ("DOUBLE", "FLOAT"))
            floats = [f'coalesce(sum("{c}"), 0)' for c, t in columns if t in ("DOUBLE", "FLOAT")]
            row = con.execute(
                f"select count(*), coalesce(sum(hash({exact})), 0){''.join(', ' + f for f in floats)} "
                f'from marts."{table}"'
            ).fetchone()
            states[table] = MartState(row[0], int(row[1]), tuple(float(v) for v in row[2:]))
        return states


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="session")
def pipeline_sources(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("pipeline-sources")
    writer.generate(out, Config(scale=0.02, seed=5, start=START, days=DAYS))
    return out


@pytest.fixture(scope="session")
def built(pipeline_sources: Path, tmp_path_factory) -> Stack:
    """The whole history built once by `kpi build` (ingest → dbt → checks → serving)."""
    stack = Stack(tmp_path_factory.mktemp("built"), pipeline_sources)
    stack.kpi("build", "--end", last_day())
    return stack
