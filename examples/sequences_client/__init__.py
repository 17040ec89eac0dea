"""A small client of the Sequences API, tested against `sequences-mock`'s pytest fixtures."""

from sequences_client.client import SequencesClient, SequencesError

__all__ = ["SequencesClient", "SequencesError"]
