"""The SQL of each alert condition: one query listing the breaching rows (kpi, scope, period, value, threshold, status, note)."""

from __future__ import annotations

import re
from typing import Any

from kpi_bi import kpis

# Every listing has these columns, so the e-mail table reads the same for every alert.
LISTING_COLUMNS = ("kpi", "scope", "period", "value", "threshold", "status", "note")

# Scope level → the column of marts.kpi_sales_daily that holds the scope id.
DAILY_SCOPE_COLUMNS = {
    "company": "'company'",
    "team": "team_id",
    "rep": "rep_id",
    "channel": "channel",
    "region": "region",
}


SCOPE_LEVELS = ("company", "team", "rep", "channel", "region")
_IDENT = re.compile(r"^[a-z][a-z0-9_]*$")
_ID = re.compile(r"^[A-Za-z0-9_.\- ]+$")


class AlertConfigError(ValueError):
    """An alert in alerts.yaml that cannot be turned into SQL (unknown kind, KPI, scope or a bad value)."""


def _ident(value: Any, what: str, key: str) -> str:
    if not isinstance(value, str) or not _IDENT.match(value):
        raise AlertConfigError(f"alert {key!r}: {what} {value!r} is not a plain lowercase name")
    return value


# How a value of each registry format is written in the listing (DuckDB's fmt syntax), so an e-mail reads
# "$1,234" or "12.3 %" rather than 1234.5678 or 0.1234.
_SQL_FORMATS = {
    "currency_usd": ("'${:,.0f}'", 1),
    "percent": ("'{:,.1f} %'", 100),
    "ratio": ("'{:,.2f}×'", 1),
    "days": ("'{:,.1f} days'", 1),
    "integer": ("'{:,.0f}'", 1),
}


def formatted(expression: str, kpi: dict[str, Any]) -> str:
    """SQL turning a numeric expression into the KPI's display text ('–' when null)."""
    pattern, scale = _SQL_FORMATS[kpi["format"]]
    return f"coalesce(format({pattern}, cast({expression} as double) * {scale}), '–')"


def _kpi(alert: dict[str, Any], registry: dict[str, dict[str, Any]] | None) -> dict[str, Any]:
    """The registry KPI the alert names (provisioning fails naming an unknown one)."""
    key = alert["key"]
    _ident(alert["kpi"], "kpi", key)
    try:
        return kpis.require(registry if registry is not None else kpis.load(), alert["kpi"], f"alert {key!r}")
    except kpis.KpiRegistryError as exc:
        raise AlertConfigError(str(exc)) from exc


def _label(kpi: dict[str, Any]) -> str:
    return kpis.heading(kpi).replace("'", "''")


def _number(value: Any, what: str, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise AlertConfigError(f"alert {key!r}: {what} must be a number, got {value!r}")
    return float(value)


def _scope(alert: dict[str, Any]) -> tuple[str, list[str]]:
    scope = alert.get("scope") or {"level": "company"}
    level = scope.get("level")
    if level not in SCOPE_LEVELS:
        raise AlertConfigError(f"alert {alert['key']!r}: scope level {level!r} not in {SCOPE_LEVELS}")
    ids = [str(i) for i in scope.get("ids") or []]
    for scope_id in ids:
        if not _ID.match(scope_id):
            raise AlertConfigError(
                f"alert {alert['key']!r}: scope id {scope_id!r} has characters not allowed"
            )
    return level, ids


def _in_list(column: str, ids: list[str]) -> str:
    if not ids:
        return "true"
    return f"{column} in ({', '.join(repr(i) for i in ids)})"


def _against_target(
    alert: dict[str, Any], breach: str, registry: dict[str, dict[str, Any]] | None = None
) -> str:
    """below_target / above_threshold: the current period's value against its target or threshold from kpi_scorecard."""
    key = alert["key"]
    spec = _kpi(alert, registry)
    kpi = spec["id"]
    level, ids = _scope(alert)
    cond = alert["condition"]
    grain = _ident(cond.get("period_grain", "month"), "period_grain", key)
    factor = _number(cond.get("factor", 1.0), "factor", key)
    fixed = cond.get("threshold")
    # A fixed number in the file overrides; otherwise the scope's own target/threshold, else the company's
    # target for the same period (so a target changed in the planning sheet moves the alert).
    threshold = (
        f"{_number(fixed, 'threshold', key)}"
        if fixed is not None
        else "coalesce(scoped.target_value, company.target_value)"
    )
    op = "<" if breach == "below" else ">"
    return f"""
with scoped as (
    select * from marts.kpi_scorecard
    where kpi_name = '{kpi}' and scope_level = '{level}' and period_grain = '{grain}'
        and {_in_list("scope_id", ids)}
),
company as (
    select period_start, target_value from marts.kpi_scorecard
    where kpi_name = '{kpi}' and scope_level = 'company' and period_grain = '{grain}' and basis <> 'none'
),
current_period as (
    select max(period_start) as period_start from scoped where kpi_value is not null
),
measured as (
    select
        scoped.kpi_label,
        scoped.scope_level,
        scoped.scope_id,
        scoped.period_start,
        scoped.kpi_value,
        {threshold} * {factor} as threshold_value
    from scoped
    inner join current_period on scoped.period_start = current_period.period_start
    left join company on company.period_start = scoped.period_start
)
select
    '{_label(spec)}' as kpi,
    case when scope_level = 'company' then 'company' else scope_level || ' ' || scope_id end as scope,
    period_start as period,
    {formatted("kpi_value", spec)} as value,
    {formatted("threshold_value", spec)} as threshold,
    '{breach} threshold' as status,
    'value {op} threshold' as note
from measured
where kpi_value {op} threshold_value
order by scope
"""


def _pace_under(alert: dict[str, Any], registry: dict[str, dict[str, Any]] | None = None) -> str:
    """pace_under: pace-to-target (projected ÷ target) of the running period under a ratio, from kpi_target_attainment."""
    key = alert["key"]
    spec = _kpi(alert, registry)
    metric = spec["id"]
    if spec.get("attainment", "ratio") != "ratio":
        # a growth rate's pace is a difference in points (kpi_target_attainment), not a ratio to compare with one
        raise AlertConfigError(
            f"alert {key!r}: pace_under compares a ratio; {metric!r} is compared with its target in points "
            "(use below_target)"
        )
    level, ids = _scope(alert)
    ratio = _number(alert["condition"].get("ratio"), "ratio", key)
    return f"""
with running as (
    select * from marts.kpi_target_attainment
    where metric = '{metric}' and owner_level = '{level}' and {_in_list("owner_id", ids)}
        and as_of_date between period_start and period_end
)
select
    '{_label(spec)}: pace to target' as kpi,
    case when owner_level = 'company' then 'company' else owner_level || ' ' || owner_id end as scope,
    period_start as period,
    {formatted("pace_to_target", {"format": "percent"})} as value,
    {formatted(str(ratio), {"format": "percent"})} as threshold,
    replace(status, '_', ' ') as status,
    'actual ' || {formatted("actual_value", spec)} || ' of target ' || {formatted("target_value", spec)}
        || ', projected ' || {formatted("projected_value", spec)} as note
from running
where coalesce(pace_to_target, 0) < {ratio}
order by scope
"""


def _change_vs_previous(alert: dict[str, Any], registry: dict[str, dict[str, Any]] | None = None) -> str:
    """change_vs_previous: the KPI over the last N days against the M days before, from kpi_sales_daily."""
    key = alert["key"]
    spec = _kpi(alert, registry)
    kpi = spec["id"]
    # the registry's `daily` says how a KPI is recomputed over any run of days from kpi_sales_daily
    if not spec.get("daily"):
        daily = sorted(k for k, v in (registry or kpis.load()).items() if v.get("daily"))
        raise AlertConfigError(f"alert {key!r}: change_vs_previous supports {daily}, not {kpi!r}")
    level, ids = _scope(alert)
    cond = alert["condition"]
    beyond = _number(cond.get("beyond"), "beyond", key)
    recent = int(_number(cond.get("recent_days", 7), "recent_days", key))
    baseline = int(_number(cond.get("baseline_days", 28), "baseline_days", key))
    # Conversions lag their leads: a lead of the last few days has not had time to become a deal yet. The newest
    # days (the registry's mature_after_days of a cohort KPI, unless lag_days says otherwise) are left out of both
    # windows, so the recent window holds leads old enough to have converted.
    lag = int(_number(cond.get("lag_days", spec.get("mature_after_days") or 0), "lag_days", key))
    if lag < 0:
        raise AlertConfigError(f"alert {key!r}: lag_days must not be negative")
    direction = cond.get("direction", "down")
    if direction not in ("down", "up"):
        raise AlertConfigError(f"alert {key!r}: direction must be down or up, not {direction!r}")
    num, den = spec["daily"]
    scope_col = DAILY_SCOPE_COLUMNS[level]

    def window(lo: int, hi: int) -> str:
        in_window = f"date_day > as_of_date - {hi} and date_day <= as_of_date - {lo}"
        if den is None:
            # A sum is compared per day, so windows of different length compare fairly.
            return f"sum(case when {in_window} then {num} end) / {hi - lo}"
        return (
            f"sum(case when {in_window} then {num} end)"
            f" / nullif(sum(case when {in_window} then {den} end), 0)"
        )

    lag_text = f" ending {lag} days before the last day" if lag else " up to the last day"
    # a rate changes by percentage points; a sum by a relative change
    if den is None:
        change = "'changed ' || format('{:+.1f} %', 100 * (recent_value / baseline_value - 1))"
    else:
        change = "'changed ' || format('{:+.1f} pp', 100 * (recent_value - baseline_value))"
    factor = 1 - beyond if direction == "down" else 1 + beyond
    op = "<" if direction == "down" else ">"
    return f"""
with as_of as (
    select max(date_day) as as_of_date from marts.kpi_sales_daily
),
windows as (
    select
        {scope_col} as scope_id,
        max(as_of_date) as as_of_date,
        cast({window(lag, lag + recent)} as double) as recent_value,
        cast({window(lag + recent, lag + recent + baseline)} as double) as baseline_value
    from marts.kpi_sales_daily
    cross join as_of
    where {_in_list(scope_col, ids)}
    group by 1
)
select
    '{_label(spec)}' as kpi,
    case when '{level}' = 'company' then 'company' else '{level} ' || scope_id end as scope,
    as_of_date as period,
    {formatted("recent_value", spec)} as value,
    {formatted(f"baseline_value * {factor}", spec)} as threshold,
    {change} as status,
    '{recent} days{lag_text} against the {baseline} days before (' || {formatted("baseline_value", spec)} || ')'
        as note
from windows
where recent_value {op} baseline_value * {factor}
order by scope
"""


def _stale_data(alert: dict[str, Any]) -> str:
    """stale_data: the last build and the newest source load from the serving file's health schema, older than N hours."""
    hours = _number(alert["condition"].get("max_age_hours", 26), "max_age_hours", alert["key"])
    return f"""
with stamps as (
    select 'last build' as what, max(built_at) as stamp from health.build_info
    union all
    select 'newest source load' as what, max(last_loaded_at) as stamp from health.source_freshness
),
aged as (
    select what, stamp,
        date_diff('minute', stamp, cast(now() at time zone 'UTC' as timestamp)) / 60.0 as age_hours
    from stamps
)
select
    'data age (hours)' as kpi,
    'company ' || what as scope,
    cast(stamp as date) as period,
    coalesce(format('{{:,.1f}} h', age_hours), 'never') as value,
    '{hours:g} h' as threshold,
    'stale' as status,
    'as of ' || coalesce(cast(stamp as varchar) || ' UTC', 'never') as note
from aged
where stamp is null or age_hours > {hours}
order by scope
"""


CONDITIONS = {
    "below_target": lambda alert, registry=None: _against_target(alert, "below", registry),
    "above_threshold": lambda alert, registry=None: _against_target(alert, "above", registry),
    "pace_under": _pace_under,
    "change_vs_previous": _change_vs_previous,
    "stale_data": _stale_data,
}


def listing_sql(alert: dict[str, Any], registry: dict[str, dict[str, Any]] | None = None) -> str:
    """The query listing an alert's breaching rows (empty when the alert should not fire)."""
    kind = (alert.get("condition") or {}).get("kind")
    if kind not in CONDITIONS:
        raise AlertConfigError(
            f"alert {alert.get('key')!r}: condition kind {kind!r} not in {sorted(CONDITIONS)}"
        )
    if kind != "stale_data" and not alert.get("kpi"):
        raise AlertConfigError(f"alert {alert['key']!r}: kpi is required for {kind}")
    if kind == "stale_data":
        return _stale_data(alert).strip()
    _scope(alert)
    registry = registry if registry is not None else kpis.load()
    return CONDITIONS[kind](alert, registry).strip()


def count_sql(alert: dict[str, Any], registry: dict[str, dict[str, Any]] | None = None) -> str:
    """The alert's own SQL: the number of breaching rows, which Superset's operator validator compares with 0."""
    return f"select count(*) as breaches from (\n{listing_sql(alert, registry)}\n) as breaching"
