"""Offence classification: which legal categories a conviction falls in, and on what basis.

Three sources, in order:
1. ``legal_categories`` asserted by legal review win and are complete;
2. the statute table (``data/statutes.csv``), matched on the statute of conviction;
3. the NCIC code table (``data/ncic.csv``).

Categories come in three kinds. *Descriptive* ones (domestic violence, DUI, ...)
describe the offence and follow from identifying it. *Element* ones (an
immigration-status element, a gang-participation element) follow from the statute.
*INA* ones (aggravated felony paragraphs, crime of violence, sexual abuse of a
minor) turn on the categorical approach: a table states them only where the
law is settled, and otherwise they stay unknown for legal review, never guessed.

Thresholds the law states (a term of at least one year, 90 days to serve, three
incidents) are not applied here: they are rules (:mod:`discretion.offences.derive`),
so the SQL path applies them the same way.
"""

from __future__ import annotations

from .classify import (
    DESCRIPTIVE,
    ELEMENT,
    INA,
    Classification,
    classify,
    normalise_statute,
)

__all__ = ["DESCRIPTIVE", "ELEMENT", "INA", "Classification", "classify", "normalise_statute"]
