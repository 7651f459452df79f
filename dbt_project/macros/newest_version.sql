{#- The rank of a record's version among those of its key, newest first: a record arrives again each day it
    changes, so rank 1 is the version the warehouse knows now. Ties on `updated_at` (or without one) go to the
    latest load, then the later line of the file. -#}
{% macro newest_version_rank(keys, updated_at=none) -%}
    row_number() over (
        partition by {{ keys | join(', ') }}
        order by {% if updated_at %}{{ updated_at }} desc, {% endif %}_loaded_at desc, _source_line desc nulls last
    )
{%- endmacro %}

{#- Every version of a record (models/staging/versions): the same version re-delivered (re-runs, late files) is
    kept once, from its newest load — use with `select distinct on (id, updated_at)`. -#}
{% macro newest_load_of_each_version() -%}
    order by id, updated_at, _loaded_at desc, _source_line desc nulls last
{%- endmacro %}

{#- When a version became the known one: once it was both changed and loaded (a version delivered late was not
    known before its load day). -#}
{% macro version_valid_from() -%}
    greatest(cast(updated_at as timestamp), cast(_partition_date as timestamp))
{%- endmacro %}

{#- A version holds until the next one of the same record; the newest holds until now (null). -#}
{% macro version_valid_to(key) -%}
    lead(valid_from) over (partition by {{ key }} order by valid_from, updated_at)
{%- endmacro %}
