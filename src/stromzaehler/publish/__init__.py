"""What leaves the device: MQTT with Home Assistant discovery, and Prometheus metrics.

Both read the store (never the capture loop), so they publish only accepted readings and can
neither run ahead of the store nor slow the capture down.
"""
