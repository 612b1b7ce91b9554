"""The SQL ERP adapter: the customer master read from the ERP's own database.

`SqlAdapter.from_settings(options)` is the entry point `sql` in the group
`erplink.erp_adapters`; the options are described in `mapping.py` and the README.
"""

from erp_adapters.sql.adapter import SqlAdapter

__all__ = ["SqlAdapter"]
