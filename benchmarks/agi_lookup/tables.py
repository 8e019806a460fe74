"""The contacts tables of the FastAGI lookup benchmark (SQL; ``LAST`` is the last row's index)."""

FILL_MIXED = """
CREATE TABLE contacts (id serial PRIMARY KEY, firstname text, lastname text,
                       number text, mobile text);
INSERT INTO contacts (firstname, lastname, number, mobile)
SELECT 'First' || i, 'Last' || i,
       CASE WHEN i % 2 = 0 THEN '+33' || (100000000 + i)
            ELSE regexp_replace('0' || (100000000 + i),
                                '(\\d\\d)(\\d\\d)(\\d\\d)(\\d\\d)(\\d\\d)', '\\1 \\2 \\3 \\4 \\5')
       END,
       CASE WHEN i % 10 = 0 THEN '+336' || (10000000 + i) END
FROM generate_series(0, LAST) AS i;
CREATE INDEX ON contacts (number);
CREATE INDEX ON contacts (mobile);
"""

FILL_E164 = """
CREATE TABLE contacts (id serial PRIMARY KEY, firstname text, lastname text,
                       number text, mobile text);
INSERT INTO contacts (firstname, lastname, number, mobile)
SELECT 'First' || i, 'Last' || i, '+33' || (100000000 + i),
       CASE WHEN i % 10 = 0 THEN '+336' || (10000000 + i) END
FROM generate_series(0, LAST) AS i;
CREATE INDEX ON contacts (number);
CREATE INDEX ON contacts (mobile);
"""

DATA = {"mixed": (FILL_MIXED, "national"), "e164": (FILL_E164, "e164")}
"""Data mode -> (the table, how callers' numbers are spelt).  ``mixed``: half the numbers
stored as E.164, half as ``0X XX XX XX XX``, national callers; ``e164`` (issue 15): every
number stored as E.164, callers in E.164."""
