"""Sphinx configuration for the ratenet_analysis API reference and tutorial.

Build with Debian's Sphinx, from the interpreter that has the package installed
(``scripts/python_docs.sh`` executes the tutorial first, then builds with -W)::

    PYTHON -m sphinx -W --keep-going -b html analysis/docs OUT

Nothing is downloaded: no intersphinx, no web fonts, no math renderer from a CDN.
The package is imported as installed (no sys.path changes here).
"""

import ratenet_analysis

project = "ratenet_analysis"
author = "the ratenet authors"
copyright = "the ratenet authors"
version = release = ratenet_analysis.__version__

extensions = [
    "sphinx.ext.autodoc",
    "numpydoc",
]

master_doc = "index"
exclude_patterns = ["_build", "**.ipynb_checkpoints", "tutorial.ipynb"]
templates_path = []
html_static_path = []
html_theme = "alabaster"
html_theme_options = {"nosidebar": False, "page_width": "1100px"}
html_show_sourcelink = False
html_show_sphinx = False            # no footer links to sphinx-doc.org / GitHub
nitpicky = False

autodoc_member_order = "bysource"
autodoc_typehints = "none"              # types are in the numpydoc sections
autodoc_default_options = {"members": True, "show-inheritance": False}

# numpydoc renders the sections; every documented object is validated and each
# failed check is a warning, so `sphinx-build -W` fails on an incomplete
# docstring (analysis/tests/test_docs_build.py runs the same checks without Sphinx).
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
numpydoc_validation_checks = {
    "all",
    "GL01",   # summary may start on the line of the opening quotes
    "ES01",   # an extended summary is optional
    "SA01",   # "See Also" is optional
    "EX01",   # "Examples" where helpful, not everywhere
    "RT02",   # a return value may be named (numpydoc's "name : type")
    "RT03",   # a return type may stand without a description ...
    "SS05",   # ... and a summary may start "Returns ..." (both still hold everywhere but
              # in plots.py: analysis/tests/test_docs_build.py checks them there)
}
# Dunder methods and the dataclass machinery are not part of the documented API.
numpydoc_validation_exclude = {r"\.__\w+__$"}
