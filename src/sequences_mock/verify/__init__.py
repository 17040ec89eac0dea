"""`sequences-mock verify`: the mock's contract and choices checked against a real target."""
