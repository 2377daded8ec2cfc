"""cardkit: personalise and verify ICAO Doc 9303 eMRTD chip ID cards."""

__version__ = "0.1.0"
