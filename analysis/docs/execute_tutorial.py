"""Execute the tutorial notebook and convert it to reStructuredText for Sphinx.

Usage: ``PYTHON execute_tutorial.py NOTEBOOK OUT_DIR``

Runs every cell of NOTEBOOK (stored without outputs) with nbclient in a kernel
that is this very interpreter (``sys.executable``): a kernelspec written to a
private Jupyter path, so the system-wide "python3" kernel (which may be another
Python, without the package) is never used.  The kernel starts in a temporary
directory.  Writes to OUT_DIR:

* ``tutorial.ipynb``: the executed notebook (offered for download);
* ``tutorial.rst`` and ``tutorial_files/*.png``: the page Sphinx builds.

Exits non-zero when a cell raises (nbclient's CellExecutionError names it) or
takes longer than the timeout.  Called by scripts/python_docs.sh.
"""

import json
import os
import sys
import tempfile
import time
from pathlib import Path

KERNEL = "ratenet-docs"
CELL_TIMEOUT = 300  # seconds per cell; the whole notebook takes a few seconds


def main(argv):
    if len(argv) != 3:
        sys.exit(f"usage: {argv[0]} NOTEBOOK OUT_DIR")
    src, out = Path(argv[1]).resolve(), Path(argv[2]).resolve()
    out.mkdir(parents=True, exist_ok=True)
    private = Path(tempfile.mkdtemp(prefix="ratenet-docs-jupyter-"))
    spec_dir = private / "kernels" / KERNEL
    spec_dir.mkdir(parents=True)
    (spec_dir / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": f"Python ({sys.executable})",
        "language": "python",
        # ipykernel's debugger warns about frozen modules on stderr at every start
        "env": {"PYDEVD_DISABLE_FILE_VALIDATION": "1"},
    }))
    # Only our kernelspec is found, and no user configuration or history is read or written.
    os.environ["JUPYTER_PATH"] = str(private)
    os.environ["JUPYTER_CONFIG_DIR"] = str(private / "config")
    os.environ["JUPYTER_RUNTIME_DIR"] = str(private / "runtime")
    os.environ["IPYTHONDIR"] = str(private / "ipython")
    os.environ["MPLCONFIGDIR"] = str(private / "matplotlib")
    os.environ.pop("MPLBACKEND", None)

    import nbformat
    from nbclient import NotebookClient
    from nbconvert import RSTExporter

    nb = nbformat.read(src, as_version=4)
    stale = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and (c.outputs or c.execution_count)]
    if stale:
        sys.exit(f"{src}: cells {stale} hold outputs; the notebook is stored without outputs")
    workdir = private / "work"
    workdir.mkdir()
    t0 = time.monotonic()
    client = NotebookClient(nb, kernel_name=KERNEL, timeout=CELL_TIMEOUT, allow_errors=False,
                            resources={"metadata": {"path": str(workdir)}})
    client.execute()  # raises CellExecutionError on the first failing cell
    seconds = time.monotonic() - t0
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, out / "tutorial.ipynb")

    body, resources = RSTExporter().from_notebook_node(
        nb, resources={"unique_key": "tutorial", "output_files_dir": "tutorial_files"})
    for name, data in resources.get("outputs", {}).items():
        p = out / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    # nbconvert puts text outputs in parsed-literal blocks, where a printed path
    # such as /tmp/x_ would be read as a reference: make them plain literal blocks.
    body = body.replace(".. parsed-literal::", ".. code-block:: none")
    lines = body.splitlines()
    # After the title: where the page comes from, and the executed notebook to download.
    title_end = next(i for i, ln in enumerate(lines) if ln and set(ln) == {"="}) + 1
    note = ["", ".. note::", "",
            "   This page is ``analysis/docs/tutorial.ipynb``, executed when the documentation was built;",
            "   download the executed notebook: :download:`tutorial.ipynb <tutorial.ipynb>`.", ""]
    (out / "tutorial.rst").write_text("\n".join(lines[:title_end] + note + lines[title_end:]) + "\n")
    n_png = sum(1 for n in resources.get("outputs", {}) if n.endswith(".png"))
    print(f"executed {src.name} in {seconds:.1f} s with {sys.executable}: "
          f"{len(nb.cells)} cells, {n_png} figures -> {out / 'tutorial.rst'}")


if __name__ == "__main__":
    main(sys.argv)
