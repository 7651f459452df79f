"""CRM records as of the cut: one version per change, grouped by the day its NDJSON file carries it."""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

from dagster_project.demo.ads import PLATFORMS, Campaigns
from dagster_project.demo.funnel import ALL_CITIES, CHANNELS, INDUSTRIES, PRODUCT_LINES, Crm
from dagster_project.demo.model import DAY, HOUR, TEAM_MOVE_DAY, Config, dates, iso, lookup, nullable
from dagster_project.demo.org import TEAMS, Org

ENTITIES = ("users", "accounts", "leads", "deals", "deal_stage_events", "activities")
STAGES = ("new", "qualified", "proposal", "negotiation", "won", "lost")
LEAD_STATUS = ("new", "qualified", "converted", "disqualified")
ACTIVITY_TYPES = ("call", "email", "meeting", "field_visit")
OUTCOMES = ("completed", "no_show", "follow_up")


@dataclass
class Table:
    """One entity's versions sorted by delivery day, then updated time, then id; rows(day) gives NDJSON."""

    fields: tuple[str, ...]
    columns: list[np.ndarray]
    day: np.ndarray

    @classmethod
    def build(cls, fields, columns: dict[str, np.ndarray], day, time, key) -> Table:
        order = np.lexsort((key, time, day))
        return cls(tuple(fields), [np.asarray(columns[f], dtype=object)[order] for f in fields], day[order])

    def rows(self, day: int) -> list[str]:
        lo, hi = np.searchsorted(self.day, [day, day + 1])
        cols = [c[lo:hi].tolist() for c in self.columns]
        return [json.dumps(dict(zip(self.fields, row)), separators=(",", ":")) for row in zip(*cols)]

    def __len__(self) -> int:
        return len(self.day)


@dataclass
class Ids:
    """Public ids of simulated entities that exist by the cut (None for those created after it)."""

    accounts: np.ndarray
    deals: np.ndarray


def _ranked_ids(created: np.ndarray, cut: int, prefix: str, width: int) -> np.ndarray:
    """Ids numbered in creation order for entities created before the cut."""
    exists = created < cut
    order = np.lexsort((np.arange(len(created)), created))
    order = order[exists[order]]
    ids = np.full(len(created), None, dtype=object)
    ids[order] = [f"{prefix}{i + 1:0{width}d}" for i in range(len(order))]
    return ids


def assign_ids(cfg: Config, crm: Crm) -> Ids:
    return Ids(
        accounts=_ranked_ids(crm.accounts["created"], cfg.cut, "acc_", 6),
        deals=_ranked_ids(crm.deals["created"], cfg.cut, "deal_", 6),
    )


def tables(cfg: Config, org: Org, campaigns: Campaigns, crm: Crm, ids: Ids) -> dict[str, Table]:
    """Every CRM entity's versions that have arrived by the end of the last day."""
    return {
        "users": _users(cfg, org),
        "accounts": _accounts(cfg, org, crm, ids),
        "leads": _leads(cfg, org, campaigns, crm, ids),
        "deals": _deals(cfg, org, crm, ids),
        "deal_stage_events": _stage_events(cfg, org, crm, ids),
        "activities": _activities(cfg, org, crm, ids),
    }


def _users(cfg: Config, org: Org) -> Table:
    n = len(org.user_ids)
    team = org.teams.copy()
    manager = org.managers.copy()
    time = np.zeros(n, dtype=np.int64)
    key = np.arange(n)
    if TEAM_MOVE_DAY < cfg.days:  # the mover's record reappears with the new team and manager
        team = np.append(team, org.mover_team)
        manager = np.append(manager, org.team_manager[org.mover_team])
        time = np.append(time, TEAM_MOVE_DAY * DAY + 9 * HOUR)
        key = np.append(key, org.mover)
    director = np.array(org.roles)[key] == "director"
    first, last = zip(*(name.split(" ") for name in org.names))
    emails = [f"{f.lower()}.{s.lower()}.{i + 1}@sales.example" for i, (f, s) in enumerate(zip(first, last))]
    columns = {
        "id": lookup(org.user_ids, key),
        "email": lookup(emails, key),
        "full_name": lookup(org.names, key),
        "role": lookup(org.roles, key),
        "team_id": nullable(lookup([t[0] for t in TEAMS], team), ~director),
        "team_name": nullable(lookup([t[1] for t in TEAMS], team), ~director),
        "region": lookup(org.regions, key),
        "manager_id": lookup(org.user_ids, manager),
        "hire_date": dates(cfg.start, org.hire_days[key] * DAY),
        "home_lat": org.home[key, 0],
        "home_lon": org.home[key, 1],
        "is_active": np.ones(len(key), dtype=bool),
        "updated_at": iso(cfg.start, time),
    }
    return Table.build(columns, columns, time // DAY, time, key)


def _accounts(cfg: Config, org: Org, crm: Crm, ids: Ids) -> Table:
    a = crm.accounts
    keep = a["created"] < cfg.cut
    created = a["created"][keep]
    updated = np.maximum(created, 0)  # accounts from before the start arrive in the first day's file
    city = a["city"][keep]
    columns = {
        "id": ids.accounts[keep],
        "name": lookup(crm.names, a["name"][keep]),
        "industry": lookup(INDUSTRIES, a["industry"][keep]),
        "country": lookup([c[1] for c in ALL_CITIES], city),
        "city": lookup([c[0] for c in ALL_CITIES], city),
        "lat": a["lat"][keep],
        "lon": a["lon"][keep],
        "owner_id": lookup(org.user_ids, a["owner"][keep]),
        "created_at": iso(cfg.start, created),
        "updated_at": iso(cfg.start, updated),
    }
    return Table.build(columns, columns, updated // DAY, updated, created)


def _leads(cfg: Config, org: Org, campaigns: Campaigns, crm: Crm, ids: Ids) -> Table:
    lead = crm.leads
    n = len(lead["created"])
    # versions: 0 created, 1 qualified, 2 converted, 3 disqualified
    times = np.stack([lead["created"], lead["qualified"], lead["converted"], lead["disqualified"]])
    status, key = np.nonzero((times >= 0) & (times < cfg.cut))
    time = times[status, key]
    owner = np.where(status == 0, lead["owner0"][key], lead["owner"][key])
    camp = lead["campaign"][key]
    slugs = [name.split(" ")[0].lower() + "-" + name.split(" ")[1].lower() for name in crm.names]
    columns = {
        "id": np.array([f"lead_{k + 1:07d}" for k in key], dtype=object),
        "created_at": iso(cfg.start, lead["created"][key]),
        "email": np.array(
            [f"contact{k + 1}@{slugs[c]}.example" for k, c in zip(key, lead["name"][key])], dtype=object
        ),
        "company_name": lookup(crm.names, lead["name"][key]),
        "source_channel": lookup(CHANNELS, lead["channel"][key]),
        "utm_source": lookup(PLATFORMS, np.where(camp >= 0, campaigns.platform[np.maximum(camp, 0)], -1)),
        "utm_campaign": lookup(campaigns.ids, camp),
        "status": lookup(LEAD_STATUS, status),
        "owner_id": lookup(org.user_ids, owner),
        "account_id": lookup(list(ids.accounts), np.where(status == 2, lead["account"][key], -1)),
        "updated_at": iso(cfg.start, time),
    }
    del n
    return Table.build(columns, columns, time // DAY, time, key)


def _arrived(cfg: Config, crm: Crm) -> np.ndarray:
    e = crm.events
    return (e["time"] < cfg.cut) & (e["time"] // DAY + e["lag"] < cfg.days)


def _deals(cfg: Config, org: Org, crm: Crm, ids: Ids) -> Table:
    d, e = crm.deals, crm.events
    keep = _arrived(cfg, crm)
    key = e["deal"][keep]
    time = e["time"][keep]
    to = e["to_stage"][keep]
    late = to == -1
    stage = np.where(late, 4, to)
    closed = np.where(late, d["won_at"][key], np.where(to >= 4, time, -1))
    amount = np.where(late, d["late_amount"][key], d["amount"][key])
    account = d["account"][key]
    names = lookup(crm.names, crm.accounts["name"][account])
    product = lookup(PRODUCT_LINES, d["product"][key])
    columns = {
        "id": ids.deals[key],
        "lead_id": np.array([f"lead_{k + 1:07d}" if k >= 0 else None for k in d["lead"][key]], dtype=object),
        "account_id": ids.accounts[account],
        "owner_id": lookup(org.user_ids, d["owner"][key]),
        "name": np.char.add(np.char.add(names.astype(str), " - "), product.astype(str)).astype(object),
        "stage": lookup(STAGES, stage),
        "amount": amount,
        "currency": lookup(["USD", "EUR"], d["currency"][key]),
        "created_at": iso(cfg.start, d["created"][key]),
        "expected_close_date": dates(cfg.start, d["expected"][key]),
        "closed_at": nullable(iso(cfg.start, np.maximum(closed, 0)), closed >= 0),
        "updated_at": iso(cfg.start, time),
    }
    arrival = time // DAY + e["lag"][keep]
    return Table.build(columns, columns, arrival, time, key)


def _changed_by(org: Org, crm: Crm, key: np.ndarray) -> np.ndarray:
    owner = crm.deals["owner"][key]
    account_owner = crm.accounts["owner"][crm.deals["account"][key]]
    return np.where(owner >= 0, owner, org.managers[account_owner])


def _stage_events(cfg: Config, org: Org, crm: Crm, ids: Ids) -> Table:
    e = crm.events
    real = e["to_stage"] >= 0
    happened = real & (e["time"] < cfg.cut)
    order = np.lexsort((e["from_stage"], e["deal"], e["time"]))
    order = order[happened[order]]
    event_id = np.full(len(real), None, dtype=object)
    event_id[order] = [f"dse_{i + 1:08d}" for i in range(len(order))]
    keep = real & _arrived(cfg, crm)
    key = e["deal"][keep]
    time = e["time"][keep]
    columns = {
        "id": event_id[keep],
        "deal_id": ids.deals[key],
        "from_stage": lookup(STAGES, e["from_stage"][keep]),
        "to_stage": lookup(STAGES, e["to_stage"][keep]),
        "changed_at": iso(cfg.start, time),
        "changed_by": lookup(org.user_ids, _changed_by(org, crm, key)),
    }
    rank = np.zeros(len(real), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return Table.build(columns, columns, time // DAY + e["lag"][keep], time, rank[keep])


def _activities(cfg: Config, org: Org, crm: Crm, ids: Ids) -> Table:
    a = crm.activities
    keep = a["time"] < cfg.cut
    time = a["time"][keep]
    n_all = len(a["time"])
    order = np.lexsort((np.arange(n_all), a["time"]))
    order = order[keep[order]]
    act_id = np.full(n_all, None, dtype=object)
    act_id[order] = [f"act_{i + 1:08d}" for i in range(len(order))]
    rank = np.zeros(n_all, dtype=np.int64)
    rank[order] = np.arange(len(order))
    kind = a["kind"][keep]
    visit = kind == 3
    columns = {
        "id": act_id[keep],
        "type": lookup(ACTIVITY_TYPES, kind),
        "rep_id": lookup(org.user_ids, a["rep"][keep]),
        "account_id": ids.accounts[a["account"][keep]],
        "deal_id": lookup(list(ids.deals), a["deal"][keep]),
        "occurred_at": iso(cfg.start, time),
        "duration_min": a["duration"][keep],
        "latitude": nullable(a["lat"][keep], visit),
        "longitude": nullable(a["lon"][keep], visit),
        "outcome": lookup(OUTCOMES, a["outcome"][keep]),
    }
    return Table.build(columns, columns, time // DAY, time, rank[keep])
