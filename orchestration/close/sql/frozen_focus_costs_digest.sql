-- The count and a canonical text hash of one close's frozen vendor costs: every column but the
-- close id, in line order. The close records them; `meterline verify` recomputes and compares.
select
    count(*) as row_count,
    coalesce(
        sha256(string_agg(to_json(frozen)::varchar, chr(10) order by frozen.vendor_charge_line_id)), ''
    ) as content_sha256,
from (
    select * exclude (close_id) from ledger.focus_costs where close_id = $close_id
) as frozen
