{#- The rank of a record's version among those of its key, newest first: a record arrives again each day it
    changes, so rank 1 is the version the warehouse knows now. Ties on `updated_at` (or without one) go to the
    latest load, then the later line of the file. -#}
{% macro newest_version_rank(keys, updated_at=none) -%}
    row_number() over (
        partition by {{ keys | join(', ') }}
        order by {% if updated_at %}{{ updated_at }} desc, {% endif %}_loaded_at desc, _source_line desc nulls last
    )
{%- endmacro %}
