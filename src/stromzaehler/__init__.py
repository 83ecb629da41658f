"""stromzaehler-pi: read a Ferraris electricity meter with a camera and show the load profile."""

__version__ = "0.1.0"
