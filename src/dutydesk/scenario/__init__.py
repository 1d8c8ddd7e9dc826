"""Scripted situations replayed on a simulated clock: the demo data and training scenarios."""
