-- Lead source values (trimmed, lower-cased) and campaign-name prefixes, each with the channel it belongs to.
with source as (

    select * from {{ source('profile', 'channel_rules') }}

),

final as (

    select
        cast(rule_kind as varchar) as rule_kind,
        cast(match_value as varchar) as match_value,
        cast(channel as varchar) as channel
    from source

)

select * from final
