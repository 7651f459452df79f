"""Running the project's dbt CLI against a given warehouse file or PostgreSQL database, for the tests."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd

REPO = Path(__file__).resolve().parents[2]
DBT_PROJECT = REPO / "dbt_project"
MART_SORT_EXCLUDE = {"loaded_for_date"}


def dbt_executable() -> str:
    """The dbt next to the running interpreter (uv's .venv/bin), else the one on PATH."""
    local = Path(sys.executable).parent / "dbt"
    return str(local) if local.exists() else (shutil.which("dbt") or "dbt")


def run_dbt(
    args: list[str],
    warehouse: Path | None = None,
    target: str = "duckdb",
    env: dict | None = None,
    dbt_vars: dict | None = None,
    target_path: Path | None = None,
    project_dir: Path = DBT_PROJECT,
) -> subprocess.CompletedProcess:
    """Run `dbt <args>` on the project; raises with dbt's output when it fails."""
    full_env = {**os.environ, **(env or {}), "KPI_DBT_TARGET": target}
    if warehouse is not None:
        full_env["KPI_WAREHOUSE_PATH"] = str(warehouse)
    cmd = [
        dbt_executable(),
        *args,
        "--project-dir",
        str(project_dir),
        "--profiles-dir",
        str(project_dir),
        "--target",
        target,
    ]
    if target_path is not None:
        cmd += ["--target-path", str(target_path)]
    if dbt_vars:
        cmd += ["--vars", json.dumps(dbt_vars)]
    result = subprocess.run(
        cmd, env=full_env, capture_output=True, text=True, cwd=str(project_dir), check=False
    )
    if result.returncode != 0:
        raise AssertionError(
            f"dbt {' '.join(args)} failed:\n{result.stdout[-6000:]}\n{result.stderr[-2000:]}"
        )
    return result


def mart_tables(warehouse: Path) -> list[str]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' order by 1"
        ).fetchall()
    return [r[0] for r in rows]


def normalised(frame: pd.DataFrame, drop: set[str] = MART_SORT_EXCLUDE) -> pd.DataFrame:
    """A table's rows in a canonical order with floats rounded, so two builds compare cell by cell."""
    frame = frame.drop(columns=[c for c in frame.columns if c in drop])
    for col in frame.columns:
        if pd.api.types.is_float_dtype(frame[col]):
            frame[col] = frame[col].round(6)
        elif pd.api.types.is_datetime64_any_dtype(frame[col]):
            frame[col] = frame[col].astype("datetime64[us]")
        elif frame[col].dtype == object:
            frame[col] = frame[col].astype("string")
    return frame.sort_values(list(frame.columns), na_position="first").reset_index(drop=True)


def read_table(warehouse: Path, table: str) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(f"select * from marts.{table}").df()
