"""Exceptions raised by ratenet_analysis."""


class RatenetFormatError(Exception):
    """The file is not a readable ratenet file.

    A subclass of :class:`Exception`; the message names the file and the problem.

    Raised for a file that is not HDF5 or is truncated/corrupt, an HDF5 file
    that ratenet did not write, a format_version newer than this reader knows,
    or a missing group/dataset the requested reader needs.
    """


class RatenetBinaryError(RuntimeError):
    """The ratenet binary is missing, lacks a subcommand, or a run failed.

    A subclass of :class:`RuntimeError`; :class:`RatenetRunError` (raised by
    :func:`ratenet_analysis.run`) is a subclass carrying the exit code.
    """
