"""Dynamics NAV / Business Central page web services: the SOAP adapter and a mock.

`wsdl/` holds the page services' WSDLs as local files (zeep loads WSDLs
synchronously, so the adapter reads them at start-up, never over the network),
`adapter.py` is the `soap` ERP adapter, and `mock/` a SOAP server that imitates the
pages over the CSV sample data for demos, tests and benchmarks.
"""
