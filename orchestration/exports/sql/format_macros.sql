-- Formatting of the export files (temporary macros of the exporting connection).
-- An amount as text from integer minor units, exact (never through a float).
create or replace temp macro amount_text(amount_minor, minor_units) as
    case when minor_units = 0 then cast(amount_minor as varchar)
    else (case when amount_minor < 0 then '-' else '' end)
        || cast(abs(amount_minor) // cast(10 ** minor_units as bigint) as varchar) || '.'
        || lpad(cast(abs(amount_minor) % cast(10 ** minor_units as bigint) as varchar), minor_units, '0')
    end;

-- The same amount as DECIMAL(18, 2) for the Parquet and JSON files.
create or replace temp macro amount_decimal(amount_minor, minor_units) as
    cast(amount_text(amount_minor, minor_units) as decimal(18, 2));

-- A text cell a spreadsheet would evaluate as a formula gets a leading quote.
create or replace temp macro safe_text(value) as
    case when value is null or value = '' then null
    when regexp_matches(value, '^[=+\-@\t\r]') then '''' || value
    else value end;

-- A DECIMAL as text without trailing zeros (`31.5000` -> `31.5`, `10.0000` -> `10`).
create or replace temp macro plain_number(value) as
    case when cast(value as varchar) like '%.%'
        then rtrim(rtrim(cast(value as varchar), '0'), '.') else cast(value as varchar) end;
