"""Reads of the credit app, by concern: search, the home page, the credit file and the
enterprise's own area. The names below are the ones views and other apps use."""

from credit.selectors.account import (
    FilingReminder,
    FilingState,
    account_overview,
    annual_report_filing,
    annual_report_reminder,
)
from credit.selectors.credit_file import credit_file, enterprise_get, enterprise_version_get, file_subject
from credit.selectors.home import home_counts, latest_licences, latest_penalties
from credit.selectors.search import (
    SEARCH_PAGE_SIZE,
    NameTokenArray,
    SearchPage,
    SearchResult,
    bounded_page,
    bounded_page_sql,
    enterprise_name_match,
    enterprise_search,
    planner_proof,
    search_terms,
    uscc_prefix_q,
    uscc_problem,
)

__all__ = [
    "SEARCH_PAGE_SIZE",
    "FilingReminder",
    "FilingState",
    "NameTokenArray",
    "SearchPage",
    "SearchResult",
    "account_overview",
    "annual_report_filing",
    "annual_report_reminder",
    "bounded_page",
    "bounded_page_sql",
    "credit_file",
    "enterprise_get",
    "enterprise_version_get",
    "enterprise_name_match",
    "enterprise_search",
    "file_subject",
    "home_counts",
    "latest_licences",
    "latest_penalties",
    "planner_proof",
    "search_terms",
    "uscc_prefix_q",
    "uscc_problem",
]
