"""Templates of mails and review pages (jinja2; HTML is escaped automatically).

Every value shown comes from the ERP or the customer, so none of it is trusted:
autoescaping is on for `.html` templates, and text templates are never HTML.
"""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

_ENVIRONMENT = Environment(
    loader=PackageLoader("connector.mail", "templates"),
    autoescape=select_autoescape(enabled_extensions=("html",)),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


def render(template: str, **context: Any) -> str:
    """Render one template from `connector/mail/templates`."""
    return _ENVIRONMENT.get_template(template).render(**context)
