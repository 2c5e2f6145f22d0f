"""Bench-only Django app for bench/render.py: a django-pictures model and a counting storage.

Installed only by bench/render_settings.py; nothing in the project imports it.
"""
