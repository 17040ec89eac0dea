"""`sequences-mock proxy`: the real service behind a proxy that checks each of its answers
against openapi.yaml, journals them like the mock's own, and can record the runs it saw."""
