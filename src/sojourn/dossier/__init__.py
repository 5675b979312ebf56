"""Presentation: the mission dossier, one self-contained HTML file.

:func:`sojourn.dossier.report.write_dossier` (``sojourn report SCENARIO --out
dossier.html``) gathers a plan, its outbound porkchop, its abort coverage and
the crew's dose and communications into one file with inline CSS and charts as
``data:`` URIs, which opens with no network.
"""
