"""Screens of the duty desk."""
