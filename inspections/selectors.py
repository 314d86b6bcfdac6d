from __future__ import annotations


def credit_file_sections(*, enterprise) -> dict:
    """Context that templates/inspections/credit_file_sections.html needs for one enterprise."""
    return {}
