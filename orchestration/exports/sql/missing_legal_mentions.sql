-- Legal mentions exported lines need but have no invoice text for in their language.
select distinct legal_mention_code || ' (' || language_code || ')' as missing
from export_lines
where legal_mention_code is not null and legal_mention is null
order by missing
