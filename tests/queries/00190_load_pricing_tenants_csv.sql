-- The shipped schema/pricing.csv and schema/tenants.csv load into llm_pricing / llm_tenants
-- (columns matched by header name; tests/sql/run.sh strips the '#' comment lines first):
-- every data line becomes a row, empty prices stay NULL (= "use the input price"), and the
-- tenant budgets reach the budget view. Expected: 1, 1, 1, 1, acme's budget 25000.
INSERT INTO spanhouse.llm_pricing FROM INFILE 'build/sqltest/pricing.csv' FORMAT CSVWithNames;
INSERT INTO spanhouse.llm_tenants FROM INFILE 'build/sqltest/tenants.csv' FORMAT CSVWithNames;
SELECT (SELECT count() FROM spanhouse.llm_pricing) = (SELECT count() - 1 FROM file('build/sqltest/pricing.csv', LineAsString));
SELECT (SELECT count() FROM spanhouse.llm_tenants) = (SELECT count() - 1 FROM file('build/sqltest/tenants.csv', LineAsString));
SELECT countIf(cache_read_per_1m IS NULL) > 0, countIf(input_per_1m > 0) = count() FROM spanhouse.llm_pricing;
SELECT max(monthly_budget_usd) FROM spanhouse.llm_tenants WHERE tenant_id = 'acme';
