"""Alternative text for figures: a caption, a sentence per figure, IPython's hook.

:func:`describe_figure` turns what a figure shows (its caption, suptitle and panel
titles) into a sentence, and :func:`register_alt_text` makes IPython attach that
sentence to every displayed figure as its alternative text.
"""

from __future__ import annotations

from typing import Any

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from cnn101 import _validation as check

__all__ = ["caption", "describe_figure", "register_alt_text"]

_CAPTION = "_cnn101_caption"


def caption(fig: Figure, text: str) -> Figure:
    """Give ``fig`` a caption: the sentence its alternative text starts with.

    Use it when the titles alone do not say what a figure shows (see
    :func:`describe_figure`).

    Parameters
    ----------
    fig : matplotlib Figure
    text : str
        What the figure shows, as a sentence for a reader who cannot see it.

    Returns
    -------
    fig : matplotlib Figure
        The same figure, so that a cell can end with ``plotting.caption(fig, "...")``.

    Examples
    --------
    >>> fig = caption(Figure(), "A cat, then its gray version.")
    >>> describe_figure(fig)
    'A cat, then its gray version.'
    """
    check.instance(fig, "fig", Figure, "a matplotlib Figure")
    check.text(text, "text", optional=False, empty=False)
    setattr(fig, _CAPTION, " ".join(text.split()))
    return fig


def _panel_text(ax: Axes) -> str:
    """Return what one panel says about itself: its titles, else its axis labels."""
    titles = [ax.get_title(loc) for loc in ("left", "center", "right")]
    title = ", ".join(" ".join(t.split()) for t in titles if t.strip())
    xlabel, ylabel = (" ".join(label.split()) for label in (ax.get_xlabel(), ax.get_ylabel()))
    labels = f"{ylabel} against {xlabel}" if xlabel and ylabel else xlabel or ylabel
    if title and labels:
        return f"{title} ({labels})"
    return title or labels


def describe_figure(fig: Figure) -> str:
    """Return a sentence saying what ``fig`` shows, for its alternative text.

    The caption set with :func:`caption` comes first; then the figure's suptitle and
    the title (or, without one, the axis labels) of each panel, in order. Panels that
    say nothing (colour bars, empty axes) are left out.

    Parameters
    ----------
    fig : matplotlib Figure

    Returns
    -------
    text : str
        Empty when the figure has no caption, suptitle, title or axis label.

    Examples
    --------
    >>> import numpy as np
    >>> from cnn101.plotting import show_feature_maps
    >>> fig = show_feature_maps(np.zeros((4, 4, 2)), titles=["a", "b"], suptitle="maps")
    >>> describe_figure(fig)
    'maps: 2 panels: a; b.'
    >>> ax = Figure().add_subplot(xlabel="shift (px)", ylabel="error")
    >>> describe_figure(ax.figure)
    'error against shift (px).'
    """
    check.instance(fig, "fig", Figure, "a matplotlib Figure")
    parts = [getattr(fig, _CAPTION, "")]
    panels = [text for text in map(_panel_text, fig.axes) if text]
    suptitle = fig._suptitle.get_text() if fig._suptitle is not None else ""
    suptitle = " ".join(suptitle.split())
    if len(panels) > 1:
        shown = f"{len(panels)} panels: {'; '.join(panels)}."
        parts.append(f"{suptitle}: {shown}" if suptitle else shown)
    elif panels or suptitle:
        parts.append(": ".join(p for p in (suptitle, *panels) if p) + ".")
    return " ".join(p for p in parts if p)


def _alt_text_bundle(fig: Figure) -> tuple[dict, dict]:
    """IPython mime-bundle hook: no data of its own, the figure's alt text as metadata."""
    text = describe_figure(fig)
    return {}, ({"image/png": {"alt": text}} if text else {})


def register_alt_text(shell: Any = None) -> bool:
    """Attach :func:`describe_figure`'s sentence to every figure IPython displays.

    The sentence goes into the output's metadata (``{"image/png": {"alt": ...}}``),
    where a notebook renderer can use it as the image's alternative text; the
    tutorial site's build does. Call it once, in a notebook or IPython session.

    Parameters
    ----------
    shell : IPython InteractiveShell, optional
        The running one by default.

    Returns
    -------
    registered : bool
        False outside IPython (nothing is changed).

    Examples
    --------
    >>> from IPython.core.interactiveshell import InteractiveShell
    >>> shell = InteractiveShell.instance()
    >>> register_alt_text(shell)
    True
    >>> import numpy as np
    >>> from cnn101.plotting import show_image
    >>> fig = show_image(np.eye(3), title="eye").figure
    >>> shell.display_formatter.format(fig)[1]["image/png"]
    {'alt': 'eye.'}
    """
    if shell is None:
        try:
            from IPython import get_ipython
        except ImportError:  # pragma: no cover - IPython comes with Jupyter
            return False
        shell = get_ipython()
    if shell is None:
        return False
    if not hasattr(getattr(shell, "display_formatter", None), "mimebundle_formatter"):
        raise TypeError(
            f"`shell` must be an IPython InteractiveShell or None. Received: shell={check.describe(shell)}"
        )
    shell.display_formatter.mimebundle_formatter.for_type(Figure, _alt_text_bundle)
    return True
