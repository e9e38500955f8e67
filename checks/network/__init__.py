"""Network checks: which connection carries traffic, bandwidth, and call quality.

One module per check (``connection_check``, ``bandwidth_check``, ``call_quality_check``)
plus small single-job modules they share: voice maths (RFC 3550 jitter, E-model MOS),
a STUN client, interface classification per OS, the HTTP transfer engine and its two
server backends (Speedtest / Speedtest Mini, LibreSpeed), and the adapters through which
every socket and OS command goes so that tests can replace them.
"""
