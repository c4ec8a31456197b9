"""The team page: a JupyterHub service (tornado, hub login) for the admin's jobs and each member's own."""
