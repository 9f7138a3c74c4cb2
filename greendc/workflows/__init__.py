"""Workflows that wire the packages together: plan, compare, nightly."""
