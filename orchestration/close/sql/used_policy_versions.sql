-- The billing-policy versions behind the period's invoice lines, with their current fingerprints.
with used as (
    select distinct
        case when line_type in ('fee', 'true_up') then 'recurring_charge' else 'price_list' end
            as policy_kind,
        case when line_type in ('fee', 'true_up') then price_list_id || '/' || sku_id else price_list_id end
            as policy_id,
        price_list_version as version,
    from marts.fct_invoice_lines
    where billing_period = $period
)
select used.policy_kind, used.policy_id, used.version, versions.fingerprint
from used
left join intermediate.int_rate_card_versions__fingerprinted as versions
    using (policy_kind, policy_id, version)
order by all
