-- The dates the intelligence scores are computed as of: every Monday of the history plus the day after the newest
-- data (the current scoring). A row is known "as of" a date when it was recorded before that date's midnight.
{% set cfg = var('intelligence') %}
with known as (

    select max(valid_from) as newest, min(valid_from) as oldest from {{ ref('stg_crm__deal_versions') }}
    union all
    select max(valid_from) as newest, min(valid_from) as oldest from {{ ref('stg_orders__order_versions') }}
    union all
    select max(valid_from) as newest, min(valid_from) as oldest from {{ ref('stg_crm__lead_versions') }}

),

bounds as (

    select
        cast(max(newest) as date) + 1 as current_date_,
        cast(min(oldest) as date) + {{ cfg['warmup_days'] }} as first_date,
        cast(min(oldest) as date) as history_start_date
    from known

),

days as (

    {{ dbt.date_spine('day', "cast('2015-01-05' as date)", "cast('2100-01-01' as date)") }}

),

mondays as (

    select cast(days.date_day as date) as scoring_date
    from days
    cross join bounds
    -- 2015-01-05 was a Monday: every seventh day from it is one
    where {{ dbt.datediff("cast('2015-01-05' as date)", 'cast(days.date_day as date)', 'day') }} % 7 = 0
        and cast(days.date_day as date) >= greatest(bounds.first_date, bounds.current_date_ - {{ cfg['history_days'] }})
        and cast(days.date_day as date) < bounds.current_date_

),

final as (

    select scoring_date, false as is_current, bounds.current_date_ as data_end_date, bounds.history_start_date
    from mondays cross join bounds
    union all
    select current_date_ as scoring_date, true as is_current, current_date_ as data_end_date, history_start_date
    from bounds
    where current_date_ is not null

)

select
    scoring_date,
    cast(scoring_date as timestamp) as scoring_at,
    is_current,
    data_end_date,
    history_start_date
from final
