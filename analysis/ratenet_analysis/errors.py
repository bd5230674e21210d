"""Exceptions raised by ratenet_analysis."""


class RatenetFormatError(Exception):
    """The file is not a readable ratenet file.

    Raised for a file that is not HDF5 or is truncated/corrupt, an HDF5 file
    that ratenet did not write, a format_version newer than this reader knows,
    or a missing group/dataset the requested reader needs.
    """


class RatenetBinaryError(RuntimeError):
    """The ratenet binary is missing, lacks a subcommand, or a run failed."""
