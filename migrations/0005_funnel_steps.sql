-- 1. Funnel edits must not relabel history (docs/PRIVACY.md "Funnels"): each funnel_days row keeps
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

-- 2. Atoms of sites with epsilon were stored with integer noise on fractional credit and revenue, so
-- their fractions betray the true values (docs/PRIVACY.md "Whole numbers"). Round them once, at
-- random (up with probability equal to the fraction — unbiased), as the rollup now does before
-- noising: post-processing of noisy numbers, so it costs no privacy. random() / 2^64 + 0.5 is
-- uniform in [0, 1); the numbers are ≥ 0 (clamped), so CAST … AS INTEGER is the floor.
UPDATE atoms SET
  credit = CAST(credit + (random() / 18446744073709551616.0 + 0.5) AS INTEGER),
  revenue = CAST(revenue + (random() / 18446744073709551616.0 + 0.5) AS INTEGER),
  revenue_by_currency = (
    SELECT json_group_object(c.key, CAST(c.value + (random() / 18446744073709551616.0 + 0.5) AS INTEGER))
    FROM json_each(atoms.revenue_by_currency) AS c
  )
WHERE site IN (SELECT id FROM sites WHERE config ->> '$.privacy.epsilon' IS NOT NULL);
