"""Rossmann store sales: read the raw tables, join them, and engineer the lesson's features."""
