"""Use-cases: the only writers. Each runs in one transaction and appends exactly one event."""
