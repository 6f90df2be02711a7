"""Prompt templates (Jinja, one file per prompt), read by `qa` as package data."""
