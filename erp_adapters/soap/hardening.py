"""The one XML parser every SOAP message goes through, client and mock alike.

No entity is resolved, no DTD loaded, nothing fetched from the network, and comments
and processing instructions are dropped: a message is data, never instructions. A
DOCTYPE is refused by the callers before parsing (a SOAP message may not have one).
"""

from __future__ import annotations

from lxml import etree

HARDENED_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,
    remove_comments=True,
    remove_pis=True,
)
