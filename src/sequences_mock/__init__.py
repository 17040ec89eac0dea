"""A stateful, contract-true mock of the Sequences REST API."""

__version__ = "0.1.0"
