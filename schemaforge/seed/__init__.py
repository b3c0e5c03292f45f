"""Synthetic seed data that satisfies the design's constraints by construction."""
