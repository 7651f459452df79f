"""The model registry: each trained model's files beside its card, and a warehouse table of versions and states."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import lightgbm as lgb

from dagster_project.defs.intelligence.models import Model
from dagster_project.defs.intelligence.specs import ScoreSpec

APPROVED, REJECTED, PENDING = "approved", "rejected", "pending"


def ensure(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists intelligence")
    con.execute(
        """create table if not exists intelligence.models (
            score varchar, version varchar primary key, trained_at timestamp, state varchar, path varchar,
            card json)"""
    )


def save(model: Model, root: Path) -> Path:
    """Write model.txt (LightGBM's own format), calibration.json and card.json into <root>/<score>/<version>/."""
    folder = root / model.spec.name / model.card["version"]
    folder.mkdir(parents=True, exist_ok=True)
    model.booster.save_model(str(folder / "model.txt"))
    (folder / "calibration.json").write_text(
        json.dumps({"platt": list(model.calibration), "categories": model.categories}, indent=1)
    )
    (folder / "card.json").write_text(json.dumps(model.card, indent=1))
    return folder


def register(con: duckdb.DuckDBPyConnection, model: Model, folder: Path, state: str) -> None:
    ensure(con)
    con.execute("delete from intelligence.models where version = ?", [model.card["version"]])
    con.execute(
        "insert into intelligence.models values (?, ?, ?, ?, ?, ?)",
        [
            model.spec.name,
            model.card["version"],
            model.card["trained_at"],
            state,
            str(folder),
            json.dumps(model.card),
        ],
    )


def set_state(con: duckdb.DuckDBPyConnection, version: str, state: str) -> None:
    con.execute("update intelligence.models set state = ? where version = ?", [state, version])


def latest(con: duckdb.DuckDBPyConnection, score: str, state: str = APPROVED) -> tuple[str, Path] | None:
    """The newest model of a score in the given state: (version, folder), or None."""
    ensure(con)
    row = con.execute(
        "select version, path from intelligence.models where score = ? and state = ? "
        "order by trained_at desc, version desc limit 1",
        [score, state],
    ).fetchone()
    return (row[0], Path(row[1])) if row else None


def load(spec: ScoreSpec, folder: Path) -> Model:
    """A saved model back from its folder."""
    calibration = json.loads((folder / "calibration.json").read_text())
    booster = lgb.Booster(model_file=str(folder / "model.txt"))
    card = json.loads((folder / "card.json").read_text())
    return Model(spec, booster, tuple(calibration["platt"]), calibration["categories"], card)
