"""The Textual interface. It reads and acts only through services."""
