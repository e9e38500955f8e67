"""The phone check: what kind of phone the agent uses, and what the computer can see of it."""
