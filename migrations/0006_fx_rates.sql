-- Daily reference exchange rates (docs/API.md "Currencies"): on each day, `rate` units of
-- `currency` buy one unit of that day's `base` (the base itself is a row at 1), so any two
-- currencies of one day cross through it. Filled by the cron from FX_URL and by
-- PUT /v1/admin/fx/:day; a day is always written whole.
CREATE TABLE fx_rates (
  day      TEXT NOT NULL,                 -- the date the source names
  currency TEXT NOT NULL,                 -- ISO-4217
  rate     REAL NOT NULL,                 -- units of currency per one base
  base     TEXT NOT NULL,
  PRIMARY KEY (currency, day)             -- conversions seek the latest day of a currency
) WITHOUT ROWID;
CREATE INDEX fx_rates_day ON fx_rates (day);
