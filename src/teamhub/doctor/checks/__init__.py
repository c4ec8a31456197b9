"""The doctor's checks, one module per area; each exposes CHECKS, run in order by the registry."""
