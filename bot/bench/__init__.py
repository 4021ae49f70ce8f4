"""`ispbot bench`: the product against a fake gateway, measured beside a minimal aiohttp
app doing the least the same webhook needs (the ceiling of this stack on this machine).

  gateway.py    a real HTTP server that records what it is sent (Fonnte and Cloud API)
  processes.py  the product (`ispbot serve`) and the baseline as child processes
  baseline.py   the minimal webhook app: acknowledge, post one fixed reply
  script.py     what a simulated customer types, and what each answer must contain
  customers.py  the load generator: many customers at once, closed loop or paced
  results.py    percentiles, lost/duplicate counts, the table and the JSON report
  admin_pages.py  p95 of the admin registration list (and analytics) with many rows
  runner.py     the scenarios of one run, in order
"""
