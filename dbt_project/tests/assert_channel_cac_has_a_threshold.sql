-- Every marketing channel's monthly CAC is judged against a threshold of its own (seeds/kpi_thresholds.csv).
{{ config(severity='warn', meta={'dagster': {'ref': {'name': 'kpi_scorecard'}}}) }}
{#- reported as a (warning) check of kpi_scorecard: a missing threshold leaves a KPI unjudged, it does not make
    a published number wrong -#}
select scope_id as channel, period_start, basis
from {{ ref('kpi_scorecard') }}
where scope_level = 'channel'
    and kpi_name = 'cac_usd'
    and basis <> 'threshold'
