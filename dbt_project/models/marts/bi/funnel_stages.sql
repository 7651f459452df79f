-- Funnel stages counted per day × rep × channel: the funnel chart sums `items` instead of counting distinct ids
-- over a union of every lead and deal (each id enters a stage at most once, so the two agree). The stages are the
-- company profile's; funnel_method says whether stage history or the final stage placed the deals.
with reps as (
    select rep_id, team_id, region from {{ serving_ref('dim_reps') }}
),

lead_steps as (
    select
        0 as stage_order,
        'Lead' as stage,
        created_date as stage_date,
        rep_id,
        channel,
        'leads' as funnel_method,
        count(*) as items
    from {{ serving_ref('fct_leads') }}
    group by all
),

deal_steps as (
    select
        stage_order,
        stage,
        created_date as stage_date,
        rep_id,
        channel,
        funnel_method,
        count(*) as items
    from {{ serving_ref('fct_deal_funnel') }}
    group by all
),

steps as (
    select * from lead_steps
    union all
    select * from deal_steps
),

final as (
    select
        s.stage_order,
        s.stage,
        s.stage_date,
        s.rep_id,
        s.channel,
        r.team_id,
        r.region,
        cast(s.items as bigint) as items,
        s.funnel_method
    from steps as s
    left join reps as r on s.rep_id = r.rep_id
)

select * from final
order by stage_date, stage_order
