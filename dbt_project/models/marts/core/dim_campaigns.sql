-- Ad campaigns of every platform with the channel they buy.
with campaigns as (

    select * from {{ ref('int_campaigns') }}

),

final as (

    select
        {{ dbt.concat(['platform', "':'", 'campaign_id']) }} as campaign_key,
        platform,
        campaign_id,
        campaign_name,
        channel,
        first_spend_date,
        last_spend_date
    from campaigns

)

select * from final
