"""OS effects: idempotent ensure_* steps that change the host."""
