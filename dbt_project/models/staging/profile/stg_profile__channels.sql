-- The company's lead channels, plus the explicit unknown (unmapped source) and unattributed (no source) ones.
with source as (

    select * from {{ source('profile', 'channels') }}

),

final as (

    select
        cast(channel as varchar) as channel,
        cast(channel_kind as varchar) as channel_kind
    from source

)

select * from final
