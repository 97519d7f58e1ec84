"""Videoberatung: the advisor workstation, the consultation hub and the customer page."""

__version__ = "0.1.0"
