"""The `display` check: how many screens the agent has and how large the largest is."""
