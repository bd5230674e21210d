"""Python cases (filled in below)."""
