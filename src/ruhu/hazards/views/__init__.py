"""Pages of the rectification loop (RULES B6): each role's work queue, one hazard with its
history, the household's hazards and notices, the notice PDFs, the month's call
recordings and the rectification rates.

Every write goes through a service. The queue and the hazard page take their own POSTs
(one small form per card, `op` naming the step): success redirects back with a message;
a refused step re-renders the page with the service's message on the card and changes
nothing (the upload and the step share one transaction).
"""

from ruhu.hazards.views.detail import detail, hazard_file, household_section
from ruhu.hazards.views.files import call_recording, notice_pdf, notice_photo, package_download
from ruhu.hazards.views.queue import queue
from ruhu.hazards.views.reports import packages, rates, recordings

__all__ = [
    "call_recording",
    "detail",
    "hazard_file",
    "household_section",
    "notice_pdf",
    "notice_photo",
    "package_download",
    "packages",
    "queue",
    "rates",
    "recordings",
]
