"""Optimizer: the daily planning MILP, baselines, plan verification and annual studies."""
