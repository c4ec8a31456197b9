"""Pure planning: from the team file and an observed host to a list of changes."""
