{#-
    AWS CUR line items (legacy and 2.0) in the vendor charge shape
    (macros/vendor_charges/vendor_charges.sql). A line is identified by its line item id and
    time interval; CUR has no commitment discount status.
-#}

with

aws_cur_lines as (

    select * from {{ ref('stg_aws_cur__line_items') }}

),

final as (

    select
        {{- conform_vendor_charges('aws_cur', {
            'line_identity': stable_hash(['line_item_id', 'time_interval']),
            'commitment_discount_status': none,
        }) }}
    from aws_cur_lines

)

select * from final
