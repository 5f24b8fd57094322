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
