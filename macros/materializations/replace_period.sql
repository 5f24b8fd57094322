{#- Incremental strategy `replace_period`: the run of a billing period replaces exactly that
    period's rows of the target and leaves every other period as it was. Unlike
    `delete+insert` keyed on billing_period, it also empties a period whose new result has no
    rows (a re-run after every exception of the month was resolved must not keep the old
    ones). Both statements run in the model's one transaction. -#}
{% macro get_incremental_replace_period_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ target }} where billing_period = {{ billing_period_literal() }};
    insert into {{ target }} ({{ columns }})
    select {{ columns }} from {{ arg_dict['temp_relation'] }}
    where billing_period = {{ billing_period_literal() }}
{%- endmacro %}

{#- Rows of a period-partitioned mart for the period under run: how a model or a test reads
    another mart, which holds every period billed so far. -#}
{% macro of_billing_period(relation) -%}
    (select * from {{ relation }} where billing_period = {{ billing_period_literal() }})
{%- endmacro %}
