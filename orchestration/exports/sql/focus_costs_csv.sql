-- focus/focus_costs.csv: date-times as ISO 8601 `YYYY-MM-DDTHH:MM:SSZ` text; rows in line order.
select * replace (
    strftime("BillingPeriodEnd", '%Y-%m-%dT%H:%M:%SZ') as "BillingPeriodEnd",
    strftime("BillingPeriodStart", '%Y-%m-%dT%H:%M:%SZ') as "BillingPeriodStart",
    strftime("ChargePeriodEnd", '%Y-%m-%dT%H:%M:%SZ') as "ChargePeriodEnd",
    strftime("ChargePeriodStart", '%Y-%m-%dT%H:%M:%SZ') as "ChargePeriodStart"
)
from export_focus_costs
order by "x_VendorChargeLineId"
