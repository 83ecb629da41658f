"""Consumption per period and load profile figures, computed from counter readings."""
