"""The claims of the tutorials' source documents, and the verdicts the notebooks give them.

The tutorials test what their sources (blog posts, a forum thread, papers) say. Each
such statement is a :class:`Claim` in :data:`CLAIMS`, owned by one notebook. The cell
that measures it ends with :func:`record`, which returns a :class:`ClaimRecord`: shown
in the notebook as a small verdict box, and carried in the cell's output as a
machine-readable entry (MIME type :data:`MIME_TYPE`). The site build collects these
entries from the executed notebooks into the page "Claims and verdicts", so the page
cannot drift from the numbers; a claim that its notebook stops recording fails the build.
"""

from __future__ import annotations

import html
import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from cnn101._validation import describe

MIME_TYPE = "application/vnd.cnn101.claim+json"
VERDICTS = ("confirmed", "refuted", "partly")

BLOG_INVARIANCE = "Ajay Krishnan, “Translation in-variance and CNN” (blog post, 2022)"
BLOG_INVARIANCE_URL = "https://medium.com/search?q=Translation%20in-variance%20and%20CNN"
FORUM = "fast.ai forum thread “CNNs and different spatial resolutions” (2017)"
FORUM_URL = "https://forums.fast.ai/t/cnns-and-different-spatial-resolutions/2483"
PYRAMIDS = "Lei Mao, “Image Pyramids and Its Applications in Deep Learning” (blog post, 2018)"
PYRAMIDS_URL = "https://leimao.github.io/blog/Image-Pyramids-In-Deep-Learning/"
JANSSON = (
    "Jansson, Maydanskiy, Finnveden & Lindeberg, “Inability of spatial transformations "
    "of CNN feature maps to support invariant recognition” (2020)"
)
JANSSON_URL = "https://arxiv.org/abs/2004.14716"

T01 = "01_how_a_cnn_sees.ipynb"
T02 = "02_translation_invariance.ipynb"
T03 = "03_spatial_resolution_and_scale.ipynb"
T04 = "04_image_pyramids.ipynb"
T05 = "05_feature_map_alignment.ipynb"
T06 = "06_transfer_across_resolutions.ipynb"


@dataclass(frozen=True)
class Claim:
    """One statement of a source document that a tutorial notebook tests.

    Attributes
    ----------
    id : str
        Short slug, unique in :data:`CLAIMS`; the verdict box's HTML id is ``claim-<id>``.
    source : str
        Who says it, where (author, title, kind, year).
    source_url : str
        Link to the source (arXiv, DOI, or the page itself).
    statement : str
        The claim in one sentence, as the source makes it.
    notebook : str
        File name of the tutorial notebook that measures it (``NN_slug.ipynb``).
    """

    id: str
    source: str
    source_url: str
    statement: str
    notebook: str

    @property
    def anchor(self) -> str:
        """The HTML id of the claim's verdict box (``claim-<id>``)."""
        return f"claim-{self.id}"


CLAIMS: tuple[Claim, ...] = (
    Claim(
        "pooling-translation-invariance",
        BLOG_INVARIANCE,
        BLOG_INVARIANCE_URL,
        "Translation invariance is a result of the pooling operation.",
        T02,
    ),
    Claim(
        "max-pool-scale-luck",
        FORUM,
        FORUM_URL,
        "Max pooling gives a little scale invariance, if you get lucky with the alignment.",
        T03,
    ),
    Claim(
        "scale-from-zoom-augmentation",
        FORUM,
        FORUM_URL,
        "A network becomes scale invariant by training with zoom augmentation.",
        T03,
    ),
    Claim(
        "scale-from-natural-sizes",
        FORUM,
        FORUM_URL,
        "Scale invariance also comes from objects that naturally appear at different sizes "
        "in the training data.",
        T03,
    ),
    Claim(
        "early-layers-transfer",
        FORUM,
        FORUM_URL,
        "The early layers of a network trained at one spatial resolution help a low-data "
        "task at another resolution.",
        T06,
    ),
    Claim(
        "dog-features",
        FORUM,
        FORUM_URL,
        "A network may learn to approximate difference-of-Gaussian features around its "
        "pooling layers, like SIFT keypoints.",
        T05,
    ),
    Claim(
        "pyramid-storage",
        PYRAMIDS,
        PYRAMIDS_URL,
        "An image pyramid costs at most 1/3 more storage when each side halves per level.",
        T04,
    ),
    Claim(
        "coarse-to-fine-translations",
        PYRAMIDS,
        PYRAMIDS_URL,
        "A coarse-to-fine search over a pyramid needs far fewer translations than a search "
        "of the full-resolution image.",
        T04,
    ),
    Claim(
        "spp-fixed-length",
        PYRAMIDS,
        PYRAMIDS_URL,
        "Spatial pyramid pooling gives a fixed-length vector for an input of any size.",
        T04,
    ),
    Claim(
        "psp-upsample-stack",
        PYRAMIDS,
        PYRAMIDS_URL,
        "PSPNet's pyramid pooling module upsamples the pooled maps so that they can be "
        "stacked with the input feature map.",
        T04,
    ),
    Claim(
        "aspp-no-pooling",
        PYRAMIDS,
        PYRAMIDS_URL,
        "There is no pooling in atrous spatial pyramid pooling (ASPP).",
        T04,
    ),
    Claim(
        "atrous-is-dilated",
        PYRAMIDS,
        PYRAMIDS_URL,
        "Atrous convolution is dilated convolution, and `tf.nn.atrous_conv2d` is a wrapper "
        "of `tf.nn.conv2d`.",
        T04,
    ),
    Claim(
        "feature-map-transform-invariance",
        JANSSON,
        JANSSON_URL,
        "Spatial transformations of CNN feature maps cannot give invariance to scaling or "
        "shear unless the features themselves are invariant.",
        T05,
    ),
)

_BY_ID = {claim.id: claim for claim in CLAIMS}


def get_claim(claim_id: str) -> Claim:
    """Return the :class:`Claim` with id ``claim_id``.

    Examples
    --------
    >>> get_claim("spp-fixed-length").notebook
    '04_image_pyramids.ipynb'
    """
    if not isinstance(claim_id, str) or claim_id not in _BY_ID:
        raise ValueError(
            f"`claim_id` must be the id of a claim in cnn101.claims.CLAIMS, one of "
            f"{', '.join(_BY_ID)}. Received: claim_id={describe(claim_id)}"
        )
    return _BY_ID[claim_id]


_COLOURS = {"confirmed": "#2e7d32", "refuted": "#c62828", "partly": "#ef6c00"}


@dataclass(frozen=True)
class ClaimRecord:
    """A verdict on one :class:`Claim`, with the measured figures behind it.

    Made by :func:`record`. As the last expression of a notebook cell it shows a verdict
    box (HTML, with id ``claim-<id>``) and carries :meth:`to_json` under :data:`MIME_TYPE`.
    """

    claim: Claim
    verdict: Literal["confirmed", "refuted", "partly"]
    evidence: str
    values: Mapping[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """Return the record as a JSON-serialisable dict.

        Keys: ``id``, ``verdict``, ``evidence``, ``values``, ``notebook``.
        """
        return {
            "id": self.claim.id,
            "verdict": self.verdict,
            "evidence": self.evidence,
            "values": dict(self.values),
            "notebook": self.claim.notebook,
        }

    def __repr__(self) -> str:
        return (
            f"Claim {self.claim.id!r} ({self.claim.source}): {self.verdict.upper()}. "
            f"{self.evidence}"
        )

    def _repr_html_(self) -> str:
        claim, esc = self.claim, html.escape
        colour = _COLOURS[self.verdict]
        return (
            f'<div class="cnn101-claim cnn101-claim--{self.verdict}" id="{claim.anchor}" '
            f'style="border-left: 4px solid {colour}; padding: 0.4em 0.8em; margin: 0.5em 0; '
            f'scroll-margin-top: 4rem;">'
            f'<p style="margin: 0;"><strong>Claim</strong> ({esc(claim.source)}, '
            f'<a href="{esc(claim.source_url)}">source</a>): {esc(claim.statement)}</p>'
            f'<p style="margin: 0.3em 0 0 0;"><strong style="color: {colour};">'
            f"Verdict: {self.verdict}</strong>. {esc(self.evidence)}</p></div>"
        )

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, Any]:
        return {
            "text/plain": repr(self),
            "text/html": self._repr_html_(),
            MIME_TYPE: self.to_json(),
        }


def _check_values(values: Any) -> dict[str, float]:
    if values is None:
        return {}
    if not isinstance(values, Mapping):
        raise TypeError(
            "`values` must be a dict of names to numbers, or None. "
            f"Received: values={describe(values)}"
        )
    checked = {}
    for key, value in values.items():
        if not isinstance(key, str) or not key:
            raise ValueError(
                f"`values` keys must be non-empty strings. Received: key {describe(key)}"
            )
        number = value.item() if isinstance(value, np.generic) else value  # NumPy scalars
        if (
            isinstance(number, bool)
            or not isinstance(number, numbers.Real)
            or not math.isfinite(number)
        ):
            raise ValueError(
                f"`values` must map names to finite real numbers. "
                f"Received: values[{key!r}]={describe(value)}"
            )
        checked[key] = float(number)
    return checked


def record(
    claim_id: str,
    *,
    verdict: Literal["confirmed", "refuted", "partly"],
    evidence: str,
    values: Mapping[str, float] | None = None,
) -> ClaimRecord:
    """Record a verdict on a claim, with the figures measured in the notebook.

    Call it as the last expression of the cell that measured the claim: the cell
    then shows a verdict box, and the site build puts the verdict on the claims page
    with a link back to that cell.

    Parameters
    ----------
    claim_id : str
        The id of a claim in :data:`CLAIMS`.
    verdict : {"confirmed", "refuted", "partly"}
        What the measurement says about the claim.
    evidence : str
        One sentence with the measured figure(s) behind the verdict.
    values : dict of str to float, optional
        The measured numbers themselves (finite, JSON-serialisable).

    Returns
    -------
    ClaimRecord

    Examples
    --------
    >>> r = record("pyramid-storage", verdict="confirmed",
    ...            evidence="A 5-level pyramid of a 64x64 image stores 1.33x the pixels.",
    ...            values={"ratio": 1.3330078125})
    >>> r.to_json()["verdict"], r.claim.notebook
    ('confirmed', '04_image_pyramids.ipynb')
    """
    claim = get_claim(claim_id)
    if verdict not in VERDICTS:
        raise ValueError(
            f"`verdict` must be one of {', '.join(repr(v) for v in VERDICTS)}. "
            f"Received: verdict={describe(verdict)}"
        )
    if not isinstance(evidence, str) or not evidence.strip():
        raise ValueError(
            "`evidence` must be a non-empty sentence with the measured figure(s). "
            f"Received: evidence={describe(evidence)}"
        )
    return ClaimRecord(claim, verdict, evidence.strip(), _check_values(values))
