"""KPIs recomputed straight from the demo source files and the orders SQLite, independently of dbt."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pandas as pd

CHANNEL_PREFIX = {"search": "paid_search", "social": "paid_social", "display": "paid_display"}


def _ndjson(sources: Path, entity: str) -> pd.DataFrame:
    rows = []
    for path in sorted((sources / "crm" / entity).glob("date=*/part-*.jsonl")):
        rows += [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return pd.DataFrame(rows)


def _latest(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.assign(updated_at=pd.to_datetime(frame["updated_at"]))
    return frame.sort_values("updated_at").drop_duplicates("id", keep="last")


def _fx(sources: Path) -> pd.DataFrame:
    fx = pd.read_csv(sources / "reference" / "fx_rates.csv", parse_dates=["date"])
    return fx.sort_values("date")


def _to_usd(frame: pd.DataFrame, fx: pd.DataFrame, amount: str, currency: str, day: str) -> pd.Series:
    """Amount × the rate of the day, or the last known earlier rate (merge_asof), 1 for USD."""
    keyed = frame[[day, currency]].reset_index().rename(columns={day: "_day", currency: "_cur"})
    keyed["_day"] = pd.to_datetime(keyed["_day"]).dt.normalize()
    parts = []
    for cur, group in keyed.groupby("_cur"):
        rates = fx[fx["currency"] == cur][["date", "rate_to_usd"]]
        merged = pd.merge_asof(group.sort_values("_day"), rates, left_on="_day", right_on="date")
        parts.append(merged.set_index("index")["rate_to_usd"])
    rate = pd.concat(parts).reindex(frame.index)
    rate[frame[currency] == "USD"] = 1.0
    return frame[amount] * rate


def recompute_spend(sources: Path, fx: pd.DataFrame) -> pd.DataFrame:
    """Ad spend rows (day, platform, campaign, channel) in USD net of VAT, read from the platforms' reports."""
    spend = []
    for platform, sep, day_col, day_fmt, cost_col, cur_col, name_col, id_col in [
        ("google_ads", ",", "Day", "%Y-%m-%d", "Cost (micros)", "Currency", "Campaign", "Campaign ID"),
        (
            "meta_ads",
            ",",
            "date_start",
            "%d/%m/%Y",
            "spend",
            "account_currency",
            "campaign_name",
            "campaign_id",
        ),
        ("yandex_direct", ";", "Date", "%d.%m.%Y", "Cost", "Currency", "CampaignName", "CampaignId"),
    ]:
        for path in sorted((sources / "ads" / platform).glob("*.csv")):
            frame = pd.read_csv(path, sep=sep, dtype=str)
            if frame.empty:
                continue
            cost = pd.to_numeric(frame[cost_col].str.replace(",", ".", regex=False))
            cost = (
                cost / 1_000_000
                if platform == "google_ads"
                else cost / 1.2
                if platform == "yandex_direct"
                else cost
            )
            spend.append(
                pd.DataFrame(
                    {
                        "day": pd.to_datetime(frame[day_col], format=day_fmt),
                        "currency": frame[cur_col],
                        "cost": cost,
                        "platform": platform,
                        "campaign_id": frame[id_col],
                        "channel": frame[name_col]
                        .str.split("_")
                        .str[0]
                        .map(CHANNEL_PREFIX)
                        .fillna("unknown"),
                    }
                )
            )
    spend = pd.concat(spend, ignore_index=True)
    spend["usd"] = _to_usd(spend, fx, "cost", "currency", "day")
    return spend


def recompute(sources: Path) -> dict[str, pd.DataFrame]:
    """Monthly company revenue, win rate, median cycle, and CAC per channel and month."""
    fx = _fx(sources)
    db = sqlite3.connect(sources / "orders" / "orders.sqlite")
    orders = pd.read_sql("select * from orders", db, parse_dates=["ordered_at"])
    lines = pd.read_sql("select order_id, sum(line_amount) as gross from order_lines group by order_id", db)
    refunds = pd.read_sql("select * from refunds", db, parse_dates=["refunded_at"])
    customers = pd.read_sql("select * from customers", db, parse_dates=["created_at"])
    db.close()

    live = orders[orders["status"] != "cancelled"].merge(lines, left_on="id", right_on="order_id", how="left")
    live["gross"] = live["gross"].fillna(0)
    live["gross_usd"] = _to_usd(live, fx, "gross", "currency", "ordered_at")
    refunds = refunds.merge(
        orders[["id", "currency", "status"]].rename(columns={"id": "oid"}), left_on="order_id", right_on="oid"
    )
    refunds = refunds[refunds["status"] != "cancelled"].copy()
    refunds["usd"] = _to_usd(refunds, fx, "amount", "currency", "refunded_at")
    month = lambda s: pd.to_datetime(s, utc=True).dt.tz_localize(None).dt.to_period("M").dt.to_timestamp()
    revenue = (
        live.groupby(month(live["ordered_at"]))["gross_usd"]
        .sum()
        .sub(refunds.groupby(month(refunds["refunded_at"]))["usd"].sum(), fill_value=0)
        .rename("net_revenue_usd")
    )

    deals = _latest(_ndjson(sources, "deals"))
    closed = deals[deals["stage"].isin(["won", "lost"]) & deals["closed_at"].notna()].copy()
    closed["month"] = month(closed["closed_at"])
    counts = closed.groupby(["month", "stage"]).size().unstack(fill_value=0)
    win_rate = (counts.get("won", 0) / (counts.get("won", 0) + counts.get("lost", 0))).rename(
        "win_rate_by_count"
    )
    won = closed[closed["stage"] == "won"].copy()
    won["days"] = (
        pd.to_datetime(won["closed_at"]).dt.tz_localize(None).dt.normalize()
        - pd.to_datetime(won["created_at"]).dt.tz_localize(None).dt.normalize()
    ).dt.days
    cycle = won.groupby("month")["days"].median().rename("sales_cycle_median_days")
    company = pd.concat([revenue, win_rate, cycle], axis=1)

    spend = recompute_spend(sources, fx)
    spend_by = spend.groupby([month(spend["day"]), "channel"])["usd"].sum().rename("ad_spend_usd")

    # new customers per channel: first non-cancelled order of a customer created since the history began
    campaigns = spend.drop_duplicates(["platform", "campaign_id"])[["platform", "campaign_id", "channel"]]
    leads = _latest(_ndjson(sources, "leads"))
    leads = leads.merge(
        campaigns.rename(
            columns={"platform": "utm_source", "campaign_id": "utm_campaign", "channel": "campaign_channel"}
        ),
        on=["utm_source", "utm_campaign"],
        how="left",
    )
    leads["channel"] = leads["campaign_channel"].fillna(leads["source_channel"]).fillna("unattributed")
    deal_channel = deals.merge(
        leads[["id", "channel"]].rename(columns={"id": "lead_id"}), on="lead_id", how="left"
    )
    deal_channel = deal_channel.set_index("id")["channel"].fillna("unattributed")
    account_channel = (
        leads[leads["account_id"].notna()]
        .sort_values(["created_at", "id"])
        .drop_duplicates("account_id")
        .set_index("account_id")["channel"]
    )
    accounts = set(_latest(_ndjson(sources, "accounts"))["id"])
    history_start = orders["ordered_at"].min()
    first = (
        orders[orders["status"] != "cancelled"]
        .sort_values(["ordered_at", "id"])
        .drop_duplicates("customer_id")
        .merge(
            customers[["id", "external_crm_id", "created_at"]].rename(
                columns={"id": "customer_id", "created_at": "customer_created_at"}
            ),
            on="customer_id",
            how="left",
        )
    )
    first = first[first["customer_created_at"] >= history_start].copy()
    account = first["external_crm_id"].where(first["external_crm_id"].isin(accounts))
    first["channel"] = (
        first["crm_deal_id"].map(deal_channel).fillna(account.map(account_channel)).fillna("unattributed")
    )
    new_by = first.groupby([month(first["ordered_at"]), "channel"]).size().rename("new_customers")
    channel = pd.concat([spend_by, new_by], axis=1).fillna({"ad_spend_usd": 0.0, "new_customers": 0})
    # a channel without spend has no CAC (absent, not 0)
    spend = channel["ad_spend_usd"].where(channel["ad_spend_usd"] > 0)
    channel["cac_usd"] = spend / channel["new_customers"].where(channel["new_customers"] > 0)
    company.index.name = "month_start"
    channel.index.names = ["month_start", "channel"]
    return {"company": company, "channel": channel}


def _naive(series: pd.Series) -> pd.Series:
    return pd.to_datetime(series, utc=True).dt.tz_localize(None)


class TargetRecompute:
    """Every KPI a planning-sheet target can name, recomputed from the source files for any scope and period."""

    def __init__(self, sources: Path) -> None:
        fx = _fx(sources)
        db = sqlite3.connect(sources / "orders" / "orders.sqlite")
        orders = pd.read_sql("select * from orders", db)
        lines = pd.read_sql(
            "select order_id, sum(line_amount) as gross from order_lines group by order_id", db
        )
        refunds = pd.read_sql("select * from refunds", db)
        customers = pd.read_sql("select * from customers", db)
        db.close()
        users = _ndjson(sources, "users")
        users["at"] = _naive(users["updated_at"])
        self.teams = users.sort_values("at")[["id", "team_id", "at"]]
        deals = _latest(_ndjson(sources, "deals"))
        leads = _latest(_ndjson(sources, "leads"))
        accounts = _latest(_ndjson(sources, "accounts")).set_index("id")["owner_id"]

        leads["at"] = _naive(leads["created_at"])
        leads["has_deal"] = leads["id"].isin(set(deals["lead_id"].dropna()))
        self.leads = self._scoped(leads.rename(columns={"owner_id": "rep"}))
        closed = deals[deals["stage"].isin(["won", "lost"]) & deals["closed_at"].notna()].copy()
        closed["at"] = _naive(closed["closed_at"])
        closed["usd"] = _to_usd(closed, fx, "amount", "currency", "at")
        closed["days"] = (closed["at"].dt.normalize() - _naive(closed["created_at"]).dt.normalize()).dt.days
        self.closed = self._scoped(closed.rename(columns={"owner_id": "rep"}))

        # an order belongs to the rep of the deal it fulfils, else to its account's owner
        deal_rep = deals.set_index("id")["owner_id"]
        account = customers.set_index("id")["external_crm_id"]
        orders["rep"] = orders["crm_deal_id"].map(deal_rep)
        orders["rep"] = orders["rep"].fillna(orders["customer_id"].map(account).map(accounts))
        orders["at"] = _naive(orders["ordered_at"])
        live = orders[orders["status"] != "cancelled"].merge(
            lines, left_on="id", right_on="order_id", how="left"
        )
        live["usd"] = _to_usd(live.assign(gross=live["gross"].fillna(0)), fx, "gross", "currency", "at")
        self.orders = self._scoped(live)
        refunds = refunds.merge(
            orders[["id", "currency", "status", "rep"]].rename(columns={"id": "oid"}),
            left_on="order_id",
            right_on="oid",
        )
        refunds = refunds[refunds["status"] != "cancelled"].copy()
        refunds["at"] = _naive(refunds["refunded_at"])
        refunds["usd"] = _to_usd(refunds, fx, "amount", "currency", "at")
        self.refunds = self._scoped(refunds)
        history_start = orders["at"].min()
        first = self.orders.sort_values(["at", "id"]).drop_duplicates("customer_id")
        created = _naive(first["customer_id"].map(customers.set_index("id")["created_at"]))
        self.first_orders = first[created.values >= history_start]

        spend = recompute_spend(sources, fx)
        self.spend = spend.assign(at=spend["day"])
        costs = pd.read_csv(sources / "reference" / "sales_costs.csv", parse_dates=["month"])
        self.costs = costs.rename(columns={"month": "at", "team_id": "team"})

    def _scoped(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The frame with the team its rep belonged to at the event (the CRM users' versions)."""
        frame = frame.sort_values("at").reset_index(drop=True)
        first = self.teams.drop_duplicates("id")[["id", "team_id"]].rename(
            columns={"id": "rep", "team_id": "team"}
        )
        merged = pd.merge_asof(
            frame,
            self.teams.rename(columns={"id": "rep", "team_id": "team"}),
            on="at",
            by="rep",
            direction="backward",
        )
        # the first version of a user covers everything before it
        return merged.fillna({"team": merged["rep"].map(first.set_index("rep")["team"])})

    @staticmethod
    def _in(
        frame: pd.DataFrame, level: str, owner: str, start: pd.Timestamp, end: pd.Timestamp
    ) -> pd.DataFrame:
        frame = frame[(frame["at"] >= start) & (frame["at"] < end + pd.Timedelta(days=1))]
        if level == "rep":
            return frame[frame["rep"] == owner]
        if level == "team":
            return frame[frame["team"] == owner]
        return frame

    def value(self, metric: str, level: str, owner: str, start, end) -> float | None:
        """The KPI `metric` of the scope over [start, end] as its definition in the KPI registry's docs says."""
        start, end = pd.Timestamp(start), pd.Timestamp(end)
        won = self._in(self.closed, level, owner, start, end)
        won_only = won[won["stage"] == "won"]
        ratio = lambda a, b: None if not b else a / b
        if metric == "won_amount_usd":
            return float(won_only["usd"].sum())
        if metric == "net_revenue_usd":
            return float(
                self._in(self.orders, level, owner, start, end)["usd"].sum()
                - self._in(self.refunds, level, owner, start, end)["usd"].sum()
            )
        if metric == "revenue_growth_yoy":
            now = self.value("net_revenue_usd", level, owner, start, end)
            before = self.value(
                "net_revenue_usd", level, owner, start - pd.DateOffset(years=1), end - pd.DateOffset(years=1)
            )
            return ratio(now - before, abs(before))
        if metric == "conversion_lead_to_deal":
            leads = self._in(self.leads, level, owner, start, end)
            return ratio(float(leads["has_deal"].sum()), len(leads))
        if metric == "win_rate_by_count":
            return ratio(len(won_only), len(won))
        if metric == "avg_won_deal_size_usd":
            return ratio(float(won_only["usd"].sum()), len(won_only))
        if metric == "sales_cycle_median_days":
            return None if won_only.empty else float(won_only["days"].median())
        if metric == "new_customers":
            return float(len(self._in(self.first_orders, level, owner, start, end)))
        if metric == "cac_usd" and level == "company":
            spend = self.spend[(self.spend["at"] >= start) & (self.spend["at"] <= end)]["usd"].sum()
            cost = self.costs[(self.costs["at"] >= start) & (self.costs["at"] <= end)]["cost_usd"].sum()
            return ratio(float(spend + cost), self.value("new_customers", level, owner, start, end))
        raise NotImplementedError(f"no source recomputation of {metric} at {level} level")
