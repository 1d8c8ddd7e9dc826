"""Tables, the engine and its pragmas, the event log."""
