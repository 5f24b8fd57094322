"""Benchmarks of the real job and of each landing adapter; not part of the shipped package."""
