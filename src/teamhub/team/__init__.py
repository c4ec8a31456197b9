"""The team file: the single source of truth, validated and edited with comments kept."""
