"""CRM records as of the cut: one version per change, grouped by the day its NDJSON file carries it."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from dagster_project.demo.ads import PLATFORMS, Campaigns
from dagster_project.demo.deals import PRODUCT_LINES
from dagster_project.demo.funnel import CHANNELS, INDUSTRIES, Crm
from dagster_project.demo.model import DAY, HOUR, TEAM_MOVE_DAY, Config, dates, iso, lookup, nullable
from dagster_project.demo.org import ALL_CITIES, TEAMS, Org

ENTITIES = ("users", "accounts", "leads", "deals", "deal_stage_events", "activities")
STAGES = ("new", "qualified", "proposal", "negotiation", "won", "lost")
LEAD_STATUS = ("new", "qualified", "converted", "disqualified")
ACTIVITY_TYPES = ("call", "email", "meeting", "field_visit")
OUTCOMES = ("completed", "no_show", "follow_up")

Render = Callable[[np.ndarray], dict[str, np.ndarray]]


@dataclass
class Table:
    """One entity's versions ordered by delivery day, updated time and id; text is rendered a day at a time."""

    fields: tuple[str, ...]
    render: Render  # version indices → column values (formatted lazily to keep memory flat)
    order: np.ndarray
    day: np.ndarray  # delivery day of each version, in `order`

    @classmethod
    def build(cls, fields: dict | tuple, render: Render, day, time, key) -> Table:
        order = np.lexsort((key, time, day))
        return cls(tuple(fields), render, order, np.asarray(day)[order])

    def rows(self, day: int) -> list[str]:
        lo, hi = np.searchsorted(self.day, [day, day + 1])
        cols = self.render(self.order[lo:hi])
        lists = [np.asarray(cols[f], dtype=object).tolist() for f in self.fields]
        return [json.dumps(dict(zip(self.fields, row)), separators=(",", ":")) for row in zip(*lists)]

    def __len__(self) -> int:
        return len(self.day)


@dataclass
class Ids:
    """Public ids by simulation key, with a trailing None so that key -1 (and the unborn) map to null."""

    accounts: np.ndarray
    deals: np.ndarray


def numbered(prefix: str, width: int, numbers: np.ndarray) -> np.ndarray:
    """`prefix` + zero-padded 1-based number, None where the number is negative."""
    return np.array(
        [f"{prefix}{n + 1:0{width}d}" if n >= 0 else None for n in numbers.tolist()], dtype=object
    )


def ranks(time: np.ndarray, exists: np.ndarray, *tiebreak: np.ndarray) -> np.ndarray:
    """0-based rank by time (then tie-breakers, then position) among existing rows; -1 for the others."""
    order = np.lexsort((np.arange(len(time)), *reversed(tiebreak), time))
    order = order[exists[order]]
    out = np.full(len(time), -1, dtype=np.int64)
    out[order] = np.arange(len(order))
    return out


def assign_ids(cfg: Config, crm: Crm) -> Ids:
    """Accounts and deals are numbered in creation order among those created before the cut."""
    acc, deal = crm.accounts["created"], crm.deals["created"]
    return Ids(
        accounts=np.append(numbered("acc_", 6, ranks(acc, acc < cfg.cut)), None),
        deals=np.append(numbered("deal_", 6, ranks(deal, deal < cfg.cut)), None),
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


FIELDS = {
    "users": (
        "id",
        "email",
        "full_name",
        "role",
        "team_id",
        "team_name",
        "region",
        "manager_id",
        "hire_date",
        "home_lat",
        "home_lon",
        "is_active",
        "updated_at",
    ),
    "accounts": (
        "id",
        "name",
        "industry",
        "country",
        "city",
        "lat",
        "lon",
        "owner_id",
        "created_at",
        "updated_at",
    ),
    "leads": (
        "id",
        "created_at",
        "email",
        "company_name",
        "source_channel",
        "utm_source",
        "utm_campaign",
        "status",
        "owner_id",
        "account_id",
        "updated_at",
    ),
    "deals": (
        "id",
        "lead_id",
        "account_id",
        "owner_id",
        "name",
        "stage",
        "amount",
        "currency",
        "created_at",
        "expected_close_date",
        "closed_at",
        "updated_at",
    ),
    "deal_stage_events": ("id", "deal_id", "from_stage", "to_stage", "changed_at", "changed_by"),
    "activities": (
        "id",
        "type",
        "rep_id",
        "account_id",
        "deal_id",
        "occurred_at",
        "duration_min",
        "latitude",
        "longitude",
        "outcome",
    ),
}


def _users(cfg: Config, org: Org) -> Table:
    n = len(org.user_ids)
    team, manager = org.teams.copy(), org.managers.copy()
    time = np.zeros(n, dtype=np.int64)
    key = np.arange(n)
    if TEAM_MOVE_DAY < cfg.days:  # the mover's record reappears with the new team and manager
        team = np.append(team, org.mover_team)
        manager = np.append(manager, org.team_manager[org.mover_team])
        time = np.append(time, TEAM_MOVE_DAY * DAY + 9 * HOUR)
        key = np.append(key, org.mover)
    team = np.where(np.array(org.roles)[key] == "director", -1, team)
    first, last = zip(*(name.split(" ") for name in org.names))
    emails = [f"{f.lower()}.{s.lower()}.{i + 1}@sales.example" for i, (f, s) in enumerate(zip(first, last))]

    def render(v: np.ndarray) -> dict[str, np.ndarray]:
        k = key[v]
        return {
            "id": lookup(org.user_ids, k),
            "email": lookup(emails, k),
            "full_name": lookup(org.names, k),
            "role": lookup(org.roles, k),
            "team_id": lookup([t[0] for t in TEAMS], team[v]),
            "team_name": lookup([t[1] for t in TEAMS], team[v]),
            "region": lookup(org.regions, k),
            "manager_id": lookup(org.user_ids, manager[v]),
            "hire_date": dates(cfg.start, org.hire_days[k] * DAY),
            "home_lat": org.home[k, 0],
            "home_lon": org.home[k, 1],
            "is_active": np.ones(len(k), dtype=bool),
            "updated_at": iso(cfg.start, time[v]),
        }

    return Table.build(FIELDS["users"], render, time // DAY, time, key)


def _accounts(cfg: Config, org: Org, crm: Crm, ids: Ids) -> Table:
    a = crm.accounts
    key = np.flatnonzero(a["created"] < cfg.cut)
    created = a["created"][key]
    updated = np.maximum(created, 0)  # accounts from before the start arrive in the first day's file

    def render(v: np.ndarray) -> dict[str, np.ndarray]:
        k = key[v]
        city = a["city"][k]
        return {
            "id": ids.accounts[k],
            "name": lookup(crm.names, a["name"][k]),
            "industry": lookup(INDUSTRIES, a["industry"][k]),
            "country": lookup([c[1] for c in ALL_CITIES], city),
            "city": lookup([c[0] for c in ALL_CITIES], city),
            "lat": a["lat"][k],
            "lon": a["lon"][k],
            "owner_id": lookup(org.user_ids, a["owner"][k]),
            "created_at": iso(cfg.start, created[v]),
            "updated_at": iso(cfg.start, updated[v]),
        }

    return Table.build(FIELDS["accounts"], render, updated // DAY, updated, created)


def _leads(cfg: Config, org: Org, campaigns: Campaigns, crm: Crm, ids: Ids) -> Table:
    lead = crm.leads
    # versions: 0 created, 1 qualified, 2 converted, 3 disqualified
    times = np.stack([lead["created"], lead["qualified"], lead["converted"], lead["disqualified"]])
    status, key = np.nonzero((times >= 0) & (times < cfg.cut))
    time = times[status, key]
    slugs = [name.split(" ")[0].lower() + "-" + name.split(" ")[1].lower() for name in crm.names]

    def render(v: np.ndarray) -> dict[str, np.ndarray]:
        k, s = key[v], status[v]
        camp = lead["campaign"][k]
        name = lead["name"][k]
        return {
            "id": numbered("lead_", 7, k),
            "created_at": iso(cfg.start, lead["created"][k]),
            "email": np.array(
                [f"contact{i + 1}@{slugs[c]}.example" for i, c in zip(k.tolist(), name.tolist())],
                dtype=object,
            ),
            "company_name": lookup(crm.names, name),
            "source_channel": lookup(CHANNELS, lead["channel"][k]),
            "utm_source": lookup(PLATFORMS, np.where(camp >= 0, campaigns.platform[np.maximum(camp, 0)], -1)),
            "utm_campaign": lookup(campaigns.ids, camp),
            "status": lookup(LEAD_STATUS, s),
            "owner_id": lookup(org.user_ids, np.where(s == 0, lead["owner0"][k], lead["owner"][k])),
            "account_id": ids.accounts[np.where(s == 2, lead["account"][k], -1)],
            "updated_at": iso(cfg.start, time[v]),
        }

    return Table.build(FIELDS["leads"], render, time // DAY, time, key)


def _arrived(cfg: Config, crm: Crm) -> np.ndarray:
    e = crm.events
    return (e["time"] < cfg.cut) & (e["time"] // DAY + e["lag"] < cfg.days)


def _deals(cfg: Config, org: Org, crm: Crm, ids: Ids) -> Table:
    d, e = crm.deals, crm.events
    sel = np.flatnonzero(_arrived(cfg, crm))
    key, time, to = e["deal"][sel], e["time"][sel], e["to_stage"][sel]

    def render(v: np.ndarray) -> dict[str, np.ndarray]:
        k, t, late = key[v], time[v], to[v] == -1
        closed = np.where(late, d["won_at"][k], np.where(to[v] >= 4, t, -1))
        names = lookup(crm.names, crm.accounts["name"][d["account"][k]])
        product = lookup(PRODUCT_LINES, d["product"][k])
        return {
            "id": ids.deals[k],
            "lead_id": numbered("lead_", 7, d["lead"][k]),
            "account_id": ids.accounts[d["account"][k]],
            "owner_id": lookup(org.user_ids, d["owner"][k]),
            "name": np.array([f"{a} - {b}" for a, b in zip(names, product)], dtype=object),
            "stage": lookup(STAGES, np.where(late, 4, to[v])),
            "amount": np.where(late, d["late_amount"][k], d["amount"][k]),
            "currency": lookup(["USD", "EUR"], d["currency"][k]),
            "created_at": iso(cfg.start, d["created"][k]),
            "expected_close_date": dates(cfg.start, d["expected"][k]),
            "closed_at": nullable(iso(cfg.start, np.maximum(closed, 0)), closed >= 0),
            "updated_at": iso(cfg.start, t),
        }

    return Table.build(FIELDS["deals"], render, time // DAY + e["lag"][sel], time, key)


def _stage_events(cfg: Config, org: Org, crm: Crm, ids: Ids) -> Table:
    e = crm.events
    real = e["to_stage"] >= 0
    rank = ranks(e["time"], real & (e["time"] < cfg.cut), e["deal"], e["from_stage"])
    sel = np.flatnonzero(real & _arrived(cfg, crm))
    key, time = e["deal"][sel], e["time"][sel]

    def render(v: np.ndarray) -> dict[str, np.ndarray]:
        k = key[v]
        owner = crm.deals["owner"][k]
        account_owner = crm.accounts["owner"][crm.deals["account"][k]]
        return {
            "id": numbered("dse_", 8, rank[sel[v]]),
            "deal_id": ids.deals[k],
            "from_stage": lookup(STAGES, e["from_stage"][sel[v]]),
            "to_stage": lookup(STAGES, e["to_stage"][sel[v]]),
            "changed_at": iso(cfg.start, time[v]),
            # unassigned deals are moved by the account owner's manager
            "changed_by": lookup(org.user_ids, np.where(owner >= 0, owner, org.managers[account_owner])),
        }

    return Table.build(FIELDS["deal_stage_events"], render, time // DAY + e["lag"][sel], time, rank[sel])


def _activities(cfg: Config, org: Org, crm: Crm, ids: Ids) -> Table:
    a = crm.activities
    rank = ranks(a["time"], a["time"] < cfg.cut)
    sel = np.flatnonzero(a["time"] < cfg.cut)
    time = a["time"][sel]

    def render(v: np.ndarray) -> dict[str, np.ndarray]:
        r = sel[v]
        visit = a["kind"][r] == 3
        return {
            "id": numbered("act_", 8, rank[r]),
            "type": lookup(ACTIVITY_TYPES, a["kind"][r]),
            "rep_id": lookup(org.user_ids, a["rep"][r]),
            "account_id": ids.accounts[a["account"][r]],
            "deal_id": ids.deals[a["deal"][r]],
            "occurred_at": iso(cfg.start, time[v]),
            "duration_min": a["duration"][r],
            "latitude": nullable(a["lat"][r], visit),
            "longitude": nullable(a["lon"][r], visit),
            "outcome": lookup(OUTCOMES, a["outcome"][r]),
        }

    return Table.build(FIELDS["activities"], render, time // DAY, time, rank[sel])
