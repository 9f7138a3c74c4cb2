"""Dashboard: the Dash app that shows plans, studies and nightly runs."""
