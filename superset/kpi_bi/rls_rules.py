"""Which datasets hold rep-level rows, and their RLS clause, from declared metadata (dbt `meta.rls`, dataset `extra.rls`).

A dbt model declares `config: {meta: {rls: {rep_column: <column>}}}` — the column holding the id of the rep the row
belongs to (the rep's Superset username) — plus `level_column` and `level` when one column holds ids of several
levels (owner_level = 'rep'). A dataset that is not one dbt model (a `bi` relation, an alert listing) declares
the same mapping under `extra.rls` in its YAML; one built on a model names it in `extra.dbt_model` and inherits
the model's rule. Provisioning writes the resolved rule into each dataset's `extra.rls`, and roles.ensure_rls
turns it into Superset RLS rules.
"""

from __future__ import annotations

import json
import re
from typing import Any

RLS_KEY = "rls"
_IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")
_VALUE = re.compile(r"^[A-Za-z0-9_.\-]+$")


class RlsDeclarationError(ValueError):
    """An RLS declaration that is malformed or names a column the dataset does not have."""


def model_meta(manifest: dict[str, Any], model: str) -> dict[str, Any]:
    """The `meta` of a dbt model by name (config.meta, where dbt 1.10+ keeps it, else the older top-level meta)."""
    for node in manifest.get("nodes", {}).values():
        if node.get("resource_type") == "model" and node.get("name") == model:
            return (node.get("config") or {}).get("meta") or node.get("meta") or {}
    return {}


def validate(rule: Any, where: str, columns: set[str] | None = None) -> dict[str, str]:
    """The rule checked (plain lowercase column names, a level only with its column, columns that exist)."""
    if not isinstance(rule, dict) or not isinstance(rule.get("rep_column"), str):
        raise RlsDeclarationError(f"{where}: rls must be a mapping with rep_column, got {rule!r}")
    unknown = set(rule) - {"rep_column", "level_column", "level"}
    if unknown:
        raise RlsDeclarationError(f"{where}: rls has unknown keys {sorted(unknown)}")
    if ("level_column" in rule) != ("level" in rule):
        raise RlsDeclarationError(f"{where}: rls needs level_column and level together")
    for key in ("rep_column", "level_column"):
        if key in rule and not _IDENT.match(str(rule[key])):
            raise RlsDeclarationError(
                f"{where}: rls {key} {rule[key]!r} is not a plain lowercase column name"
            )
        if key in rule and columns is not None and rule[key] not in columns:
            raise RlsDeclarationError(f"{where}: rls {key} {rule[key]!r} is not a column of the dataset")
    if "level" in rule and not _VALUE.match(str(rule["level"])):
        raise RlsDeclarationError(f"{where}: rls level {rule['level']!r} has characters not allowed")
    return {k: str(v) for k, v in rule.items()}


def declared(
    dataset: dict[str, Any], manifest: dict[str, Any], columns: set[str] | None = None
) -> dict | None:
    """The dataset's own `extra.rls`, else the rule of the dbt model it reads (extra.dbt_model or its table)."""
    extra = dataset.get("extra") or {}
    if RLS_KEY in extra:
        rule, where = extra[RLS_KEY], f"dataset {dataset['table_name']}"
    else:
        model = extra.get("dbt_model", dataset["table_name"])
        rule, where = model_meta(manifest, model).get(RLS_KEY), f"dbt model {model}"
    return validate(rule, where, columns) if rule else None


# Who may see whose rows, from the user directory (dbt model rep_visibility): the user and everyone below them in
# the manager chain. A rep sees their own rows, a manager their team's; nobody is listed by hand.
VISIBILITY_RELATION = "marts.rep_visibility"


def clause(rule: dict[str, str]) -> str:
    """The Superset RLS clause of a rule: the row's rep is the user (a CRM user id) or someone they manage."""
    text = (
        f'"{rule["rep_column"]}" IN (SELECT rep_id FROM {VISIBILITY_RELATION} '
        "WHERE viewer_id = '{{ current_username() }}')"
    )
    if rule.get("level_column"):
        text += f" AND \"{rule['level_column']}\" = '{rule['level']}'"
    return text


def rule_name(rule: dict[str, str]) -> str:
    """The managed Superset rule's name: one rule per distinct clause."""
    suffix = f"__{rule['level_column']}_{rule['level']}" if rule.get("level_column") else ""
    return f"{RULE_PREFIX}{rule['rep_column']}{suffix}"


RULE_PREFIX = "rep_rows_by_"


def of_dataset(sqla_table: Any) -> dict[str, str] | None:
    """The rule provisioning stored in a Superset dataset's extra (None: the dataset holds no rep-level rows)."""
    extra = sqla_table.extra
    if isinstance(extra, str):
        extra = json.loads(extra or "{}")
    rule = (extra or {}).get(RLS_KEY)
    return validate(rule, f"dataset {sqla_table.table_name}") if rule else None
