"""How the stages are wired into Dagster: settings, resources, partitions, dbt assets, jobs."""
