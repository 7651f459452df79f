-- SMART targets from the planning sheet, one per target id.
with source as (

    select * from {{ source('reference', 'ref_kpi_targets') }}

),

renamed as (

    select
        cast(target_id as varchar) as target_id,
        cast(owner_level as varchar) as owner_level,
        cast(owner_id as varchar) as owner_id,
        cast(metric as varchar) as metric,
        cast(period_grain as varchar) as period_grain,
        cast(period_start as date) as period_start,
        cast(period_end as date) as period_end,
        cast(target_value as double precision) as target_value,
        cast(direction as varchar) as direction,
        cast(_partition_date as date) as loaded_for_date,
        {{ newest_version_rank(['target_id']) }} as version_rank
    from source

),

final as (

    select * from renamed
    where version_rank = 1

)

select * from final
