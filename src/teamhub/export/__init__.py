"""Export the team to other engines: `teamhub export k8s` writes Zero to JupyterHub values (pure)."""
