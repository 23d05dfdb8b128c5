-- Funnel edits must not relabel history (docs/PRIVACY.md "Funnels"): each funnel_days row keeps
-- the steps (JSON array of the whole funnel) its day was rolled up with, and /v1/funnel counts a
-- day only if those are the funnel's steps now. Rows rolled before this migration get the steps
-- their funnel has in the site's configuration today — the only record there is, and what they
-- were shown under until now; rows of a funnel no longer configured keep NULL and match nothing.
ALTER TABLE funnel_days ADD COLUMN steps TEXT;
UPDATE funnel_days SET steps = (
  SELECT f.value -> '$.steps'
  FROM sites, json_each(sites.config, '$.funnels') AS f
  WHERE sites.id = funnel_days.site AND f.value ->> '$.name' = funnel_days.funnel
);
