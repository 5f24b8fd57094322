-- focus/focus_costs.parquet: date-times as UTC instants; rows in line order, so a close gives the same bytes.
select * replace (
    timezone('UTC', "BillingPeriodEnd") as "BillingPeriodEnd",
    timezone('UTC', "BillingPeriodStart") as "BillingPeriodStart",
    timezone('UTC', "ChargePeriodEnd") as "ChargePeriodEnd",
    timezone('UTC', "ChargePeriodStart") as "ChargePeriodStart"
)
from export_focus_costs
order by "x_VendorChargeLineId"
