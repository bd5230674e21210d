"""Python analysis of ratenet's HDF5 files.

Readers (plain numpy arrays and small dataclasses), figures and reproductions of
published results.  Install it (``pip install --no-index --no-build-isolation
analysis/`` into a venv made with ``--system-site-packages``), or import it from
the source tree with ``PYTHONPATH=analysis``::

    import ratenet_analysis as ra
    with ra.open_file("run.h5") as f:
        net = f.network()
        traj = f.trajectory()
        x = traj.x(slice(0, 100))      # only these rows are read

The file layout is described in docs/file-format.md (format version 2; version
1 files are read too).  A file written with ``[output] network = "recipe"``
does not store W: ``Network.W`` rebuilds it with ``ratenet network`` on first
use (see :func:`rebuild_network`).  :func:`autocorrelation` averages an
``autocorrelation`` sweep over its seeds and sets it beside the mean-field
theory.  Importing the package changes nothing global: no matplotlib backend,
no rcParams, no environment variables.
"""

from .errors import RatenetBinaryError, RatenetFormatError
from .reader import (
    SUPPORTED_FORMAT_VERSION,
    Chaos,
    ChaosPopulations,
    CovariantVectors,
    FixedPoints,
    Lyapunov,
    Network,
    Permitted,
    RatenetFile,
    Schedule,
    Sweep,
    Trajectory,
    Verification,
    open_file,
)
from .autocorrelation import autocorrelation
from .labelled import RatenetData, open, open_points, open_runs, open_sweep, read_point  # noqa: A004 - open() as xarray's open_dataset
from .runs import RatenetRunError, rebuild_network, run, to_toml

__all__ = [
    "RatenetFormatError",
    "RatenetBinaryError",
    "RatenetRunError",
    "run",
    "to_toml",
    "rebuild_network",
    "open",
    "open_points",
    "open_runs",
    "open_sweep",
    "read_point",
    "RatenetData",
    "autocorrelation",
    "SUPPORTED_FORMAT_VERSION",
    "RatenetFile",
    "open_file",
    "Network",
    "Schedule",
    "Trajectory",
    "Permitted",
    "FixedPoints",
    "Lyapunov",
    "CovariantVectors",
    "Sweep",
    "Chaos",
    "ChaosPopulations",
    "Verification",
]

# The package's version, read by pyproject.toml; a test holds it equal to the
# version of the ratenet build (`ratenet --version`, CMakeLists.txt).
__version__ = "0.1.0"
