"""Pure rules: no database, no UI."""
