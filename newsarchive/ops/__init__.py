"""Operators' checks of the outlets: discovery URLs, reachability."""
