"""The employer's view of the fleet: every agent's latest report, kept at intake, and the
dashboard's pages over it (docs/hub.md "Dashboard").

- :mod:`.record`: what intake calls once per accepted report (one upsert per table);
- :mod:`.queries`: the overview's counts, the agents list (filters, keyset pages), one
  agent's reports; every query backed by an index of ``deskready.hub.models``;
- :mod:`.history`: an agent's reports read as trends and as "what changed";
- :mod:`.charts`: inline SVG, drawn in Python (no script in the browser);
- :mod:`.export`: the filtered list as streamed CSV (injection-safe) and JSON;
- :mod:`.pages`: the routes and their templates.
"""
