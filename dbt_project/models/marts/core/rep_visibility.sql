-- Whose rows each user of the directory may see: their own, and those of every user below them in the manager
-- chain (a manager's team, a director's managers' teams). Read by every row-level security rule (docs/security.md).
with recursive users as (

    select rep_id, manager_id from {{ ref('dim_reps') }}

),

chain as (

    select rep_id as viewer_id, rep_id, 0 as levels_below
    from users

    union all

    -- one step up the chain per pass; the bound stops a cycle in the directory (a manager of their own manager)
    select users.manager_id as viewer_id, chain.rep_id, chain.levels_below + 1 as levels_below
    from chain
    inner join users
        on chain.viewer_id = users.rep_id
    where users.manager_id is not null
        and chain.levels_below < 16

),

final as (

    select viewer_id, rep_id, cast(min(levels_below) as integer) as levels_below
    from chain
    group by viewer_id, rep_id

)

select * from final
