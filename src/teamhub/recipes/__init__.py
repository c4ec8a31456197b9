"""Files the tool recipes use (the transport model of the GAMS check)."""
