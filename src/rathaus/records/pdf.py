"""PDF/A rendering of generated documents (notices, receipts) with WeasyPrint.

WeasyPrint needs Pango, HarfBuzz and fontconfig from the system (Debian: ``libpango-1.0-0
libpangoft2-1.0-0 libharfbuzz0b libfontconfig1`` and a font such as ``fonts-dejavu-core``).
"""

from __future__ import annotations

import logging
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation

PDF_VARIANT = "pdf/a-3b"

# WeasyPrint reports every layout step at INFO; only problems are worth a log line.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def pdf_render(*, template_name: str | list[str], context: dict[str, Any]) -> bytes:
    """Render a template to PDF/A-3b. Only inline ``data:`` resources (the logo) are loaded;
    nothing is fetched over the network or from the disk.

    Documents are always German, whatever language the person who triggered them uses: German
    is the official language of the administrative procedure (§ 23 VwVfG).
    """
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    with translation.override("de"):
        html = render_to_string(template_name, context)
    fetcher = URLFetcher(allowed_protocols={"data"})
    return HTML(string=html, url_fetcher=fetcher).write_pdf(pdf_variant=PDF_VARIANT)
