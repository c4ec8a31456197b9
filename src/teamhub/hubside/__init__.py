"""Code that runs inside the hub process (imported by the generated jupyterhub_config.py)."""
