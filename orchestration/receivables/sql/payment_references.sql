-- Structured creditor references: how each scheme computes and checks its check digits.
-- Created as DuckDB macros in the ledger schema (orchestration/wiring/warehouse_setup.py), so
-- the close issuing a reference and the matching models reading one back share one rule.
--
-- `ledger.reference_digits(s)`: the digits of `s` with letters as ISO 7064 numbers (A=10 .. Z=35).
create or replace macro ledger.reference_digits(s) as
    array_to_string(
        list_transform(
            string_split(upper(s), ''),
            lambda c: case when c between '0' and '9' then c else cast(ascii(c) - 55 as varchar) end
        ),
        ''
    );

-- `ledger.reference_mod97(digits)`: a digit string of any length modulo 97, digit by digit.
create or replace macro ledger.reference_mod97(digits) as
    list_reduce(
        list_transform(string_split(digits, ''), lambda c: try_cast(c as integer)),
        lambda remainder, d: (remainder * 10 + d) % 97,
        0
    );

-- ISO 11649: `RF`, two check digits, then 1 to 21 letters or digits.
create or replace macro ledger.rf_reference(body) as
    'RF'
    || lpad(cast(98 - ledger.reference_mod97(ledger.reference_digits(upper(body) || 'RF00')) as varchar), 2, '0')
    || upper(body);

create or replace macro ledger.rf_is_valid(reference) as
    coalesce(
        regexp_full_match(reference, 'RF[0-9]{2}[0-9A-Z]{1,21}')
        and ledger.reference_mod97(ledger.reference_digits(substr(reference, 5) || left(reference, 4))) = 1,
        false
    );

-- Norwegian KID, MOD10 (Luhn): from the rightmost digit of the body, weights 2, 1, 2, ...;
-- each product's digits are summed.
create or replace macro ledger.kid_check_digit(body) as
    (10 - list_sum(list_transform(
        list_reverse(string_split(body, '')),
        lambda c, i: ((try_cast(c as integer) * (2 - (i - 1) % 2)) // 10)
            + ((try_cast(c as integer) * (2 - (i - 1) % 2)) % 10)
    )) % 10) % 10;

create or replace macro ledger.kid_reference(body) as
    body || cast(ledger.kid_check_digit(body) as varchar);

create or replace macro ledger.kid_is_valid(reference) as
    coalesce(
        regexp_full_match(reference, '[0-9]{2,25}')
        and ledger.kid_check_digit(left(reference, -1)) = try_cast(right(reference, 1) as integer),
        false
    );

-- Finnish reference number: from the rightmost digit of the body (3 to 19 digits), weights
-- 7, 3, 1, 7, ...; the check digit brings the sum to the next multiple of ten.
create or replace macro ledger.fi_check_digit(body) as
    (10 - list_sum(list_transform(
        list_reverse(string_split(body, '')),
        lambda c, i: try_cast(c as integer) * [7, 3, 1][((i - 1) % 3) + 1]
    )) % 10) % 10;

create or replace macro ledger.fi_reference(body) as
    body || cast(ledger.fi_check_digit(body) as varchar);

create or replace macro ledger.fi_is_valid(reference) as
    coalesce(
        regexp_full_match(reference, '[0-9]{4,20}')
        and ledger.fi_check_digit(left(reference, -1)) = try_cast(right(reference, 1) as integer),
        false
    );

-- A reference as a payer may write it: spaces dropped, letters upper case.
create or replace macro ledger.normalized_reference(reference) as
    nullif(upper(replace(trim(reference), ' ', '')), '');

create or replace macro ledger.payment_reference_is_valid(scheme, reference) as
    case scheme
        when 'rf' then ledger.rf_is_valid(reference)
        when 'kid' then ledger.kid_is_valid(reference)
        when 'fi' then ledger.fi_is_valid(reference)
        else false
    end;
