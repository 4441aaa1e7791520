"""Calibration: nginx serving one 2 KB file, to measure what the load generator can drive."""
