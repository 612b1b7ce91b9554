"""erplink's benchmarks: `make bench` (`python -m bench`).

Two measurements, each against a real erplink server in its own process:

- `intake`: signed CUSTOMER_CREATED webhooks under load (wrk), side by side with a
  bare Starlette endpoint on the same uvicorn settings, reported as a ratio.
- `pricing`: time from a registration in the sandbox Saleor to the price list
  erplink assigns, at a fixed registration rate (open loop).

Results go to stdout and to `bench/out/`; BENCHMARKS.md says how to read them.
"""
