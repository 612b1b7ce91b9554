"""erplink: links B2B web accounts in Saleor to their ERP account and price list."""

__version__ = "0.1.0"
