"""The employer's hub (``deskready hub``): hands out specs and invites, measures the network
from its own side, signs what it saw, and keeps every agent's reports.

Installed with the ``hub`` extra; nothing here is imported by the agent's app. The
protocol is docs/hub-protocol.md; operating it is docs/hub.md.
"""
