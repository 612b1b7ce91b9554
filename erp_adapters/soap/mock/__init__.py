"""A mock of NAV page web services (Customer, Contact) over CSV exports.

It answers `Read` and `ReadMultiple` as NAV does, with the SETFILTER subset in
`filters.py`, HTTP Basic authentication, NAV-shaped faults, hardened XML parsing and
switches that make it slow, faulty or down (`switches.py`).
"""
