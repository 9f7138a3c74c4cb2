"""Every component id of the dashboard in one place, so pages, callbacks and tests agree."""

from __future__ import annotations

# App shell
NAV = "nav"
PAGE_CONTAINER = "page-container"

# Plan page
PLAN_SITE = "plan-site"
PLAN_DATE = "plan-date"
PLAN_BODY = "plan-body"
PLAN_KPIS = "plan-kpis"
PLAN_GANTT = "plan-gantt"
PLAN_POWER = "plan-power"
PLAN_COOLING = "plan-cooling"
PLAN_SIGNALS = "plan-signals"
PLAN_JOB_TABLE = "plan-job-table"
PLAN_DOWNLOAD_STEPS_BTN = "plan-download-steps-btn"
PLAN_DOWNLOAD_JOBS_BTN = "plan-download-jobs-btn"
PLAN_DOWNLOAD = "plan-download"

# What-if page
WHATIF_QUERY = "whatif-query"
WHATIF_START = "whatif-start"
WHATIF_SITE = "whatif-site"
WHATIF_DATE = "whatif-date"
WHATIF_CARBON_PRICE = "whatif-carbon-price"
WHATIF_SETPOINT_RANGE = "whatif-setpoint-range"
WHATIF_BATTERY = "whatif-battery"
WHATIF_SLACK = "whatif-slack"
WHATIF_RUN = "whatif-run"
WHATIF_CANCEL = "whatif-cancel"
WHATIF_PROGRESS = "whatif-progress"
WHATIF_STATUS = "whatif-status"
WHATIF_SAVED = "whatif-saved"
WHATIF_RESULT = "whatif-result"
WHATIF_DIFF = "whatif-diff"

# Sites page
SITES_QUERY = "sites-query"
SITES_BODY = "sites-body"
SITES_MAP = "sites-map"
SITES_FLOWS = "sites-flows"
SITES_TABLE = "sites-table"
SITES_RANKING = "sites-ranking"
SITES_CLIMATE = "sites-climate"
SITES_STUDY = "sites-study"
SITES_STUDY_BODY = "sites-study-body"

# Runs page
RUNS_QUERY = "runs-query"
RUNS_SITE = "runs-site"
RUNS_LAST = "runs-last"
RUNS_TABLE = "runs-table"
RUNS_BODY = "runs-body"
