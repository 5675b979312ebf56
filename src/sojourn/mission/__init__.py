"""Crewed round trips: scenarios, vessels, the round-trip search and the mission plan."""
