-- Leads with the channel and campaign they came from and whether they turned into a deal.
with leads as (

    select * from {{ ref('stg_crm__leads') }}

),

campaigns as (

    select * from {{ ref('int_campaigns') }}

),

source_rules as (

    select match_value, channel
    from {{ ref('stg_profile__channel_rules') }}
    where rule_kind = 'lead_source'

),

deals as (

    select
        lead_id,
        deal_id,
        created_at,
        loaded_for_date,
        row_number() over (partition by lead_id order by created_at, deal_id) as deal_rank
    from {{ ref('stg_crm__deals') }}
    where lead_id is not null

),

final as (

    select
        leads.lead_id,
        leads.created_at,
        {{ business_date('leads.created_at') }} as created_date,
        leads.status,
        coalesce(leads.owner_id, 'unassigned') as rep_id,
        leads.account_id,
        leads.source_channel,
        leads.utm_source as campaign_platform,
        campaigns.campaign_id,
        -- the campaign's own channel wins so that spend and leads meet on the same channel; else the profile's
        -- channel for the lead's source value; a value the profile does not map is `unknown`, never merged into
        -- another channel, and a lead with no source at all is `unattributed`
        coalesce(
            nullif(campaigns.channel, 'unknown'),
            source_rules.channel,
            case
                when campaigns.channel is not null or nullif(trim(leads.source_channel), '') is not null
                    then 'unknown'
                else 'unattributed'
            end
        ) as channel,
        deals.deal_id as first_deal_id,
        deals.deal_id is not null as has_deal,
        -- its channel changes with its own versions and with its campaign's channel (a campaign first reported
        -- after the lead, or renamed into another channel); deals and orders inherit the channel from here
        greatest(
            leads.loaded_for_date, coalesce(campaigns.channel_loaded_for_date, leads.loaded_for_date)
        ) as attribution_loaded_for_date,
        -- the lead row also changes with the arrival of its deal
        greatest(
            leads.loaded_for_date,
            coalesce(campaigns.channel_loaded_for_date, leads.loaded_for_date),
            coalesce(deals.loaded_for_date, leads.loaded_for_date)
        ) as loaded_for_date
    from leads
    left join campaigns
        on leads.utm_source = campaigns.platform
        and leads.utm_campaign = campaigns.campaign_id
    left join source_rules
        on lower(trim(leads.source_channel)) = source_rules.match_value
    left join deals
        on leads.lead_id = deals.lead_id
        and deals.deal_rank = 1

)

select * from final
