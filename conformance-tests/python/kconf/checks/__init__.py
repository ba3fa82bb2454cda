"""The checks, one module per contract flow, run in the order main.py gives."""
