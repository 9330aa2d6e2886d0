-- segment: paying
-- where: trait.plan in ["pro", "enterprise"]
SELECT profile FROM traits
WHERE key = 'plan' AND jstr(value) IN ('pro', 'enterprise')
ORDER BY profile;
