"""Printable documents of the hazard rectification loop (RULES B6, B7).

- 《安全隐患整改通知书》: two copies on one A4 page, cut apart along a dashed line: the
  customer keeps the first (客户联), the company's (公司联) goes back to the inspection office
  within 48 hours. The second notice (3-day deadline) is the same form marked 「第二次」.
- 《停止供气通知书》: posted on the door or sent by registered mail or express; not signed by
  the customer (the Electronic Signature Law excludes documents that stop gas supply), so it
  carries the company's seal and a record of how it was delivered.
- 《联络函》: asks the property manager to help gain entry before supply is stopped.
- 《到访不遇通知单》: left at the door when nobody was home.

Each builder is a pure function of its content: one A4 page (long lists shrink rather than
spill onto a second page), the Chinese font embedded, no creation time inside, so the same
content always gives the same bytes. Nothing here touches the database.
"""

from ruhu.hazards.documents.content import (
    HazardLine,
    MissedVisitNoticeContent,
    PropertyLetterContent,
    RectificationNoticeContent,
    StopSupplyNoticeContent,
    level_name,
)
from ruhu.hazards.documents.letters import missed_visit_notice_pdf, property_letter_pdf
from ruhu.hazards.documents.notices import rectification_notice_pdf, stop_supply_notice_pdf

__all__ = [
    "HazardLine",
    "MissedVisitNoticeContent",
    "PropertyLetterContent",
    "RectificationNoticeContent",
    "StopSupplyNoticeContent",
    "level_name",
    "missed_visit_notice_pdf",
    "property_letter_pdf",
    "rectification_notice_pdf",
    "stop_supply_notice_pdf",
]
