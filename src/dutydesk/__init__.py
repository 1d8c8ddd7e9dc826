"""dutydesk: a keyboard-driven duty desk for comprehensive governance centres."""

__version__ = "0.1.0"
