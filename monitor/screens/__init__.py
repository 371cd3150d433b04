"""Screens: the main screen, and the dialogs pushed over it (help, export)."""
