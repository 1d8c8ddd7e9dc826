"""Configuration: the settings a desk runs by (`settings`), its organisation (`org`) and the
reading of a configuration folder's TOML files (`reading`, with `tomlfiles`' checked entries).
Pure data and checks: no database, no terminal."""
