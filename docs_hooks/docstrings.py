"""MkDocs hook: the API pages show the docstrings' numpydoc markup as it is meant.

The docstrings follow numpydoc, which is written for Sphinx; mkdocstrings leaves two of
its marks as text, and this hook finishes them on every page that is not a notebook:

* cross-references by Sphinx role (``:func:`run```, ``:mod:`~cnn101.layers.blur_pool```)
  arrive as the role's name before a code span (``:func:<code>run</code>``): the name
  goes, and a leading ``~`` keeps only the last dotted component, as Sphinx shows it;
* the numbered citations of a ``References`` section (``.. [1] A. Author, ...``) keep
  their number, ``[1] A. Author, ...``, without the directive's dots.
"""

from __future__ import annotations

import re

_NAMES = r"(?:func|meth|class|mod|attr|data|const|exc|obj|ref)"
# as a code span (prose), or still in backticks (a parameter's type, left unrendered)
_ROLE = re.compile(rf":{_NAMES}:(?:<code>(~?)([^<]*)</code>|`(~?)([^`<]*)`)")


def strip_roles(html_text: str) -> str:
    """Return ``html_text`` with each rendered Sphinx role reduced to its code span.

    Examples
    --------
    >>> strip_roles("see :func:<code>run</code> and :mod:<code>~cnn101.layers.blur_pool</code>")
    'see <code>run</code> and <code>blur_pool</code>'
    >>> strip_roles("list, the shapes of :func:`gaussian_pyramid`")
    'list, the shapes of <code>gaussian_pyramid</code>'
    """

    def code(match: re.Match) -> str:
        rendered = match.group(2) is not None
        tilde, name = match.group(1, 2) if rendered else match.group(3, 4)
        return f"<code>{name.rsplit('.', 1)[-1] if tilde else name}</code>"

    return _ROLE.sub(code, html_text)


_CITATION = re.compile(r"(<p>|\n)\s*\.\. (\[\d+\])")


def number_citations(html_text: str) -> str:
    r"""Return ``html_text`` with each ``.. [n]`` citation of a References section as ``[n]``.

    Examples
    --------
    >>> number_citations("<p>.. [1] A. Author, 2021.\n.. [2] B. Author.</p>")
    '<p>[1] A. Author, 2021.\n[2] B. Author.</p>'
    """
    return _CITATION.sub(r"\1\2", html_text)


def on_page_content(html_text, page, config, files):
    """Finish the markup on the API reference and the other Markdown pages."""
    if page.file.src_uri.endswith(".ipynb"):
        return html_text
    return number_citations(strip_roles(html_text))
