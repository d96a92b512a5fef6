"""The claims of the tutorials' source documents, and the verdicts the notebooks give them.

The tutorials test what their sources (blog posts, a forum thread, papers) say. Each
such statement is a :class:`Claim` in :data:`CLAIMS`, owned by one notebook. The cell
that measures it ends with :func:`record`, which returns a :class:`ClaimRecord`: shown
in the notebook as a small verdict box, and carried in the cell's output as a
machine-readable entry (MIME type :data:`MIME_TYPE`). A claim that the tutorials do not
measure (a name, a guess about another program) is recorded with :func:`not_tested`
instead, where the notebook discusses it, with the reason and no numbers. A claim that
*training* tests declares its :class:`cnn101.verdicts.Rule` s here, before any run: its
verdict is never typed, :func:`record` computes it from the recorded runs of ten or more
seeds (:func:`cnn101.verdicts.load`) and shows each rule's interval. The site build
collects these entries from the executed notebooks into the page "Claims and verdicts",
with each claim's quoted words and what the literature says, so the page cannot drift
from the numbers; a claim that its notebook stops recording fails the build.
"""

from __future__ import annotations

import html
import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from cnn101 import _validation as check
from cnn101 import verdicts
from cnn101._validation import describe

MIME_TYPE = "application/vnd.cnn101.claim+json"
VERDICTS = ("confirmed", "refuted", "partly")  # what a measurement can say
COMPUTED = ("confirmed", "refuted", "partly", "not detected")  # what a trained claim's rules say
NOT_TESTED = "not tested here"  # the verdict of :func:`not_tested`: no measurement

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


# Papers the literature column cites (Markdown links, one home for each).
_AZULAY = "[Azulay & Weiss (2019)](https://arxiv.org/abs/1805.12177)"
_ZHANG = "[Zhang (2019)](https://arxiv.org/abs/1904.11486)"
_KAYHAN = "[Kayhan & van Gemert (2020)](https://arxiv.org/abs/2003.07064)"
_CHAMAN = "[Chaman & Dokmanic (2021)](https://arxiv.org/abs/2011.14214)"
_BISCIONE = "[Biscione & Bowers (2021)](https://arxiv.org/abs/2110.05861)"
_VAN_NOORD = "[van Noord & Postma (2017)](https://arxiv.org/abs/1602.01255)"
_KANAZAWA = "[Kanazawa et al. (2014)](https://arxiv.org/abs/1412.5104)"
_JANSSON_LINDEBERG = "[Jansson & Lindeberg (2022)](https://arxiv.org/abs/2106.06418)"
_YOSINSKI = "[Yosinski et al. (2014)](https://arxiv.org/abs/1411.1792)"
_LOWE = "[Lowe (2004)](https://doi.org/10.1023/B:VISI.0000029664.99615.94)"
_LINDEBERG = "[Lindeberg (1998)](https://doi.org/10.1023/A:1008045108935)"
_BURT = "[Burt & Adelson (1983)](https://doi.org/10.1109/TCOM.1983.1095851)"
_HE = "[He et al. (2014)](https://arxiv.org/abs/1406.4729)"
_LAZEBNIK = "[Lazebnik et al. (2006)](https://doi.org/10.1109/CVPR.2006.68)"
_ZHAO = "[Zhao et al. (2017)](https://arxiv.org/abs/1612.01105)"
_CHEN_V2 = "[Chen et al. (2018)](https://arxiv.org/abs/1606.00915)"
_CHEN_V3 = "[Chen et al. (2017)](https://arxiv.org/abs/1706.05587)"
_CHEN_V3PLUS = "[Chen et al. (2018b)](https://arxiv.org/abs/1802.02611)"
_FINNVEDEN = "[Finnveden et al. (2020)](https://arxiv.org/abs/2004.11678)"
_DEEPDREAM = "[Mordvintsev et al. (2015)](https://research.google/blog/inceptionism-going-deeper-into-neural-networks/)"
_KERAS_DREAM = "[Keras' DeepDream example](https://keras.io/examples/generative/deep_dream/)"
_GRAUMAN = "[Grauman & Darrell (2005)](https://doi.org/10.1109/ICCV.2005.239)"
_TANIMOTO = "[Tanimoto (1981)](https://doi.org/10.1016/0146-664X%2881%2990046-0)"
_ADELSON = "[Adelson et al. (1984)](https://persci.mit.edu/pub_abstracts/RCA84_abs.html)"
_BURT_SPLINE = "[Burt & Adelson (1983b)](https://doi.org/10.1145/245.247)"
_LECUN = "[LeCun et al. (1998)](https://doi.org/10.1109/5.726791)"


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
    quote : str
        The source's own words, verbatim (its spelling kept).
    literature : str
        What the literature says on it, in Markdown with a link to each work cited.
    rules : tuple of cnn101.verdicts.Rule
        For a claim that training tests: what each comparison must show, declared
        before the run; :func:`record` computes the verdict from them. Empty for a
        claim measured without training.

    Examples
    --------
    >>> claim = get_claim("spp-fixed-length")
    >>> claim.anchor, claim.source == PYRAMIDS
    ('claim-spp-fixed-length', True)
    """

    id: str
    source: str
    source_url: str
    statement: str
    notebook: str
    quote: str = ""
    literature: str = ""
    rules: tuple[verdicts.Rule, ...] = ()

    @property
    def trained(self) -> bool:
        """Whether training tests the claim (its verdict is computed from its rules)."""
        return bool(self.rules)

    @property
    def anchor(self) -> str:
        """The HTML id of the claim's verdict box (``claim-<id>``)."""
        return f"claim-{self.id}"


def _c(claim_id, source, statement, notebook, quote, literature, rules=()):
    url = {
        BLOG_INVARIANCE: BLOG_INVARIANCE_URL,
        FORUM: FORUM_URL,
        PYRAMIDS: PYRAMIDS_URL,
        JANSSON: JANSSON_URL,
    }[source]
    return Claim(claim_id, source, url, statement, notebook, quote, literature, tuple(rules))


def _sizes(record, key, says, direction, smallest, sizes=(600, 3000)):
    """One rule per training-set size, the page's and five times it (``says`` names it: {n})."""
    return [
        verdicts.Rule(record, f"{n} digits: {key}", says.format(n=f"{n:,}"), direction, smallest)
        for n in sizes
    ]


# Rules of the trained claims, declared before their recorded runs. Smallest effects that
# matter: 0.05 in consistency or accuracy (a twentieth of the test digits); 0.02 in
# tutorial 6, whose claim is about a useful gain on a small task.
_POOLING_RULES = [
    *_sizes(
        "shift",
        "max - stride, consistent",
        "max pooling is more consistent under shifts of up to 2 px than stride-2 subsampling "
        "({n} training digits)",
        "increase",
        0.05,
    ),
    *(  # "invariance ... is a result of pooling": the same class under every shift
        verdicts.Rule(
            "shift",
            f"{n} digits: max, consistent",
            f"with max pooling, shifts of up to 2 px leave the class unchanged: consistency 1 "
            f"({n:,} training digits)",
            "none",
            0.05,
            reference=1.0,
        )
        for n in (600, 3000)
    ),
]


def _scale_rules(arm, what):
    gains = [
        _sizes(
            "scale",
            f"{arm} - plain at {s}x",
            f"{what} raise accuracy at {s}x over plain ({{n}} digits)",
            "increase",
            0.05,
        )
        for s in ("0.5", "2")
    ]
    invariance = [
        _sizes(
            "scale",
            f"{arm} at {s}x - at 1x",
            f"{what}: as accurate at {s}x as at 1x ({{n}} digits)",
            "none",
            0.05,
        )
        for s in ("0.5", "2")
    ]
    return [rule for rules in gains + invariance for rule in rules]


_TRANSFER_RULES = [
    rule
    for labels in (30, 300)
    for task, what in (("", "new classes"), (", same classes", "the source's classes"))
    for rule in _sizes(
        "transfer",
        f"{labels} labels{task}: 1 conv copied - from scratch",
        f"copying the first convolution helps a {labels}-label task at half the resolution, "
        f"{what} (source trained on {{n}} digits)",
        "increase",
        0.02,
    )
]


CLAIMS: tuple[Claim, ...] = (
    # --- Krishnan, "Translation in-variance and CNN" -----------------------------------
    _c(
        "pixel-comparison-translations",
        BLOG_INVARIANCE,
        "Comparing images pixel by pixel, as a multi-layer perceptron does, is not robust to "
        "translations; that is why CNNs are used for images.",
        T01,
        "The traditional method of comparing pixel to pixel is not robust to these translations.",
        f'{_LECUN}: "unstructured nets" (fully connected ones) "have no built-in invariance '
        f'with respect to translations, or local distortions of the inputs"; convolution shares '
        f"one kernel across positions, so its feature maps shift with the input. A network "
        f"with dense layers can still learn some tolerance to shifts from shifted training "
        f"images.",
    ),
    _c(
        "flip-as-translation",
        BLOG_INVARIANCE,
        "An image and its flipped version show what a translation does to pixel-by-pixel "
        "comparison.",
        T01,
        "Computers sees different information in the corresponding pixel locations when we "
        "give it an image and a flipped version of the same image",
        "A flip is a reflection, not a translation. Convolution commutes with translations; "
        "with a reflection only for mirror-symmetric kernels, and "
        f"[Jansson et al. (2020)]({JANSSON_URL}) treat reflections separately from translations "
        "for that reason.",
    ),
    _c(
        "invariance-exact-response",
        BLOG_INVARIANCE,
        "Translation invariance means the model produces exactly the same response however "
        "its input is shifted.",
        T01,
        "The In-variance to translation means that the model produces exactly the same "
        "response, regardless of how its input is shifted",
        f"That is the strict definition; CNNs do not meet it: {_AZULAY} find that one-pixel "
        f"shifts change modern CNNs' outputs, because their subsampling ignores the sampling "
        f"theorem, and {_CHAMAN} reach exact invariance to circular shifts only by choosing "
        f"the subsampling grid from the input.",
    ),
    _c(
        "kernel-extracts-line",
        BLOG_INVARIANCE,
        "The 2x2 kernel [[1, -1], [1, -1]] extracts the vertical line from the image.",
        T01,
        "Image contains a vertical line at center , the kernel we defined can extract this "
        "vertical line from the image",
        "A +1 column next to a -1 column is a horizontal difference, a vertical-*edge* "
        "detector (a 2x2 cousin of "
        "[Prewitt's kernel](https://scikit-image.org/docs/stable/api/skimage.filters.html#skimage.filters.prewitt_v)): "
        "it answers where the brightness changes from one column to the next, so on a line "
        "wider than one pixel it answers at the line's two edges and not inside it.",
    ),
    _c(
        "relu-isolates-line",
        BLOG_INVARIANCE,
        "ReLU isolates the vertical line that the convolution extracted.",
        T01,
        "We can apply ReLU activation function to isolate the pattern (vertical line) we "
        "extracted by convolution operation",
        "ReLU, max(x, 0) ([Nair & Hinton, 2010](https://www.cs.toronto.edu/~hinton/absps/reluICML.pdf)), "
        "keeps the positive responses of a kernel and zeroes the rest; which side of a "
        "pattern survives depends on the kernel's sign, so an edge-pair kernel keeps one edge.",
    ),
    _c(
        "pooling-summarises",
        BLOG_INVARIANCE,
        "Pooling summarises the feature map: it keeps the feature itself, drops the zero areas "
        "that only position it, and reduces the map's dimensions.",
        T01,
        "What we would like to do is to summarize the feature map to retain only the most "
        "useful part — the feature itself.",
        "Max pooling keeps the largest value of each window and the window's place on a "
        "coarser grid: the map shrinks by the window's area, zeros included, so what pooling "
        f"keeps is a coarser map, not the feature without its position. {_ZHANG} and "
        f"{_AZULAY} measure what the coarser grid costs under shifts.",
    ),
    _c(
        "max-pool-intensifies",
        BLOG_INVARIANCE,
        "Max pooling intensifies the extracted patterns.",
        T01,
        "Now lets apply : Max pooling to intensify the extracted patterns",
        "Max pooling keeps the largest value of each window; it never raises a value. "
        f"{_ZHANG} shows that it is the subsampling after the max that breaks shift "
        "invariance.",
    ),
    _c(
        "global-pooling-window",
        BLOG_INVARIANCE,
        "Global pooling is the same as pooling with a window the size of the feature map.",
        T01,
        "This would be the same as setting the window size to the size of the input feature map.",
        "[Lin et al. (2014)](https://arxiv.org/abs/1312.4400) introduced global average pooling "
        "as one average per feature map; Keras' `GlobalMaxPooling2D` and "
        "`GlobalAveragePooling2D` reduce over the spatial axes, a pooling whose window is the map.",
    ),
    _c(
        "pooling-translation-invariance",
        BLOG_INVARIANCE,
        "Translation invariance is a result of the pooling operation.",
        T02,
        "Translation in-variance is a result of the pooling operation.",
        f"{_AZULAY} and {_ZHANG}: pooled CNNs are not shift-invariant; blurring before "
        f"subsampling restores much of it. {_KAYHAN}: zero padding lets convolutions encode "
        f"absolute position. {_BISCIONE}: CNNs are not architecturally invariant to "
        f"translation but can learn to be, e.g. from pretraining on ImageNet.",
        rules=_POOLING_RULES,
    ),
    # --- fast.ai forum, "CNNs and different spatial resolutions" -----------------------
    _c(
        "max-pool-scale-luck",
        FORUM,
        "Max pooling gives a little scale invariance, if you get lucky with the alignment.",
        T03,
        "I think the maxpooling operator allows a little bit of scale invariance. For example, "
        "if you have a 4x4 square and a 2x2 square and you have a corner detecting feature, a "
        "2x2 max pool will produce the same output for both squares (if you get lucky with the "
        "alignment).",
        f"{_KANAZAWA} build local scale invariance into every layer, {_VAN_NOORD} (the paper "
        f"the thread points to) a multi-scale CNN, and {_JANSSON_LINDEBERG} test scale-channel "
        f"networks on scales not seen in training: the designs that give scale invariance "
        f"build it in.",
    ),
    _c(
        "squares-all-but-largest",
        FORUM,
        "After enough poolings, all squares but the largest give the same corner activation.",
        T03,
        "You can see that all but the largest square end up with the same activation (active "
        "for UL and BR in the same location) at the later levels of pooling.",
        "Two corner responses share a pooling cell once the square fits in one cell of the "
        "grid as it is cut, so the level depends on the position as well as the size (the "
        "same mechanism as max pooling's shift sensitivity, " + _AZULAY + ").",
    ),
    _c(
        "scale-from-zoom-augmentation",
        FORUM,
        "A network becomes scale invariant by training with zoom augmentation.",
        T03,
        "Using zooming as a data augmentation approach",
        f"{_JANSSON_LINDEBERG} study generalisation to scales *not* in the training set: "
        f"even two earlier scale-channel designs fail at it, while their foveated channels "
        f"generalise over a scale range of 8.",
        rules=_scale_rules("zoom-augmented", "zoom-augmented digits"),
    ),
    _c(
        "scale-from-natural-sizes",
        FORUM,
        "Scale invariance also comes from objects that naturally appear at different sizes "
        "in the training data.",
        T03,
        "Having different sized objects naturally appear in various images",
        f'{_VAN_NOORD}: "scale-invariant representations are incomplete representations of '
        f'images, because images contain scale-variant information as well"; their '
        f"multi-scale CNN learns both kinds.",
        rules=_scale_rules("natural sizes", "digits drawn at many sizes"),
    ),
    _c(
        "early-layers-transfer",
        FORUM,
        "The early layers of a network trained at one spatial resolution help a low-data "
        "task at another resolution.",
        T06,
        "I’m pretty sure the early layers will be helpful, based on my own experience.",
        f'{_YOSINSKI}: first-layer features (like Gabor filters and colour blobs) "appear '
        f'not to be specific to a particular dataset or task, but general"; transferability '
        f"falls with the distance between the tasks, and splitting co-adapted layers (a "
        f"frozen middle) hurts too.",
        rules=_TRANSFER_RULES,
    ),
    _c(
        "dog-features",
        FORUM,
        "A network may learn to approximate difference-of-Gaussian features around its "
        "pooling layers, like SIFT keypoints.",
        T05,
        "The network might also approximate difference of Gaussian type features before and "
        "after pooling layers to create an approximation of SIFT style key points.",
        f"{_LOWE} finds SIFT keypoints as extrema over space *and scale* of differences of "
        f"Gaussian-blurred images at adjacent scales, a stand-in for the scale-normalised "
        f"Laplacian of {_LINDEBERG}. By linearity a DoG image at one pair of scales *is* one "
        f"convolution, with the centre-surround kernel G(kσ) - G(σ); what no single filter "
        f"does is SIFT's search for extrema across the stack of DoG images at many scales, "
        f"which is what makes a keypoint and its scale.",
    ),
    _c(
        "corner-filter-resolutions",
        FORUM,
        "One corner filter responds to the cats' heads (gray squares) at both spatial "
        "resolutions, while another filter's response depends on the resolution; the post asks "
        "whether the first is a coincidence.",
        T05,
        "It seems to work for cats at each spatial resolution, but is that a coincidence?",
        "A corner with straight edges looks the same at every magnification about its tip, so "
        "a filter that sees only the tip answers the same for a near and a far head; a filter "
        "whose field of view spans the head does not "
        f"([Jansson et al. (2020)]({JANSSON_URL}), Figure 3). Scale-space methods "
        f"({_LINDEBERG}) run each filter at several scales for that reason.",
    ),
    _c(
        "van-noord-citations",
        FORUM,
        "The linked paper (arXiv:1602.01255) cites earlier attempts at scale-invariant CNNs and "
        "proposes an approach of its own.",
        T05,
        "this paper should give reasonable citations to previous attempts at scale invariant "
        "CNNs, as well as suggesting a particular approach",
        f'{_VAN_NOORD} (Pattern Recognition 61): "Previous work attempting to deal with such '
        f'scale variations focused on encouraging scale-invariant CNN representations"; they '
        f'propose "a multi-scale CNN method to encourage the recognition of both types of '
        f'features", scale-invariant and scale-variant, not a scale-invariant CNN alone.',
    ),
    # --- Lei Mao, "Image Pyramids and Its Applications in Deep Learning" ---------------
    _c(
        "pyramid-octave",
        PYRAMIDS,
        "Each image in an image pyramid is called an octave.",
        T04,
        'Each image in the image pyramids is called an "octave".',
        f"{_BURT} call the images *levels*. In {_LOWE} an *octave* is a doubling of the "
        f"Gaussian's σ, a set of several blurred images; with halving per level, adjacent "
        f"levels are one octave apart.",
    ),
    _c(
        "pyramid-kernels",
        PYRAMIDS,
        "Pyramids are made by repeatedly downsampling the image with kernels such as the "
        "Gaussian and the Laplacian kernel.",
        T04,
        "The original image was repeatedly downsampled to a low resolution image using "
        "kernels, scuh as Gaussian kernel and Laplacian kernel.",
        f"{_BURT}: each Gaussian level is the previous one blurred and subsampled; each "
        f"Laplacian level is the *difference* between a Gaussian level and the expanded next "
        f"one, not a Laplacian kernel applied before subsampling.",
    ),
    _c(
        "pyramid-storage",
        PYRAMIDS,
        "An image pyramid costs at most 1/3 more storage when each side halves per level.",
        T04,
        "the storage cost only increases by 1/3 at most if the dimension reduction is 1/2 at "
        "each dimension",
        "The bound is the geometric series 1/4 + 1/16 + ... < 1/3 (each level a quarter of "
        f"the one below) for sides that halve exactly; the post's reference, {_ADELSON}, "
        f"describes pyramids whose levels halve each side.",
    ),
    _c(
        "coarse-to-fine-translations",
        PYRAMIDS,
        "A coarse-to-fine search over a pyramid needs far fewer translations than a search "
        "of the full-resolution image.",
        T04,
        "the number of translations you did would be significantly smaller than going "
        "through the high resolution image",
        f'{_TANIMOTO} matches templates through a pyramid, coarse level first: it "allows '
        f"both a savings in computation time (by a problem-dependent amount) and a "
        f"considerable degree of insensitivity to noise\"; {_ADELSON}, the post's reference, "
        f"describe pyramid methods for image analysis. The search can miss a target whose "
        f"coarse version is not distinctive.",
    ),
    _c(
        "deepdream-smoothing",
        PYRAMIDS,
        "DeepDream uses a pyramid of images of equal size, probably for smoothing.",
        T04,
        "also used image pyramids of equal image sizes to calculate the "
        "gradients for generating the patterns, probably for the smoothing purpose I guess",
        f"DeepDream ({_DEEPDREAM}) runs gradient ascent at several scales (octaves), "
        f"smallest first; between scales it enlarges the image and re-injects the detail "
        f"that shrinking and re-enlarging lost ({_KERAS_DREAM}: the original resized to this "
        f"scale minus its smaller copy resized up, with plain resizes at a ratio of 1.4, "
        f"Laplacian-like but not a Burt-Adelson level), so patterns made at a coarse scale "
        f"are refined at finer ones.",
    ),
    _c(
        "upsample-for-blending",
        PYRAMIDS,
        "Resizing the coarse levels of a pyramid back to the full size is mainly used for "
        "image blending.",
        T04,
        "In some situations, we also need to resize the low resolution images to the size of "
        "high resolution image. This is mainly used for image blending.",
        f"Expanding each coarse level to the next finer size is a step of every Laplacian "
        f"pyramid ({_BURT}: each level is G_k - expand(G_k+1), and decoding expands level by "
        f"level); blending two images that way is Burt and Adelson's multiresolution spline "
        f"({_BURT_SPLINE}), the method of the OpenCV tutorial the post links.",
    ),
    _c(
        "spp-fixed-length",
        PYRAMIDS,
        "Spatial pyramid pooling gives a fixed-length vector for an input of any size.",
        T04,
        "resulting a fixed length feature vector, independent of the size of input tensor",
        f'{_HE}: SPP-net "can generate a fixed-length representation regardless of image '
        f'size/scale". Their ImageNet classification networks (Section 3.1.2) and their '
        f"detection network pool into 6x6, 3x3, 2x2 and 1x1 bins (12,800 numbers from 256 "
        f"maps); 4x4, 2x2, 1x1 is Figure 3's illustration. For training at fixed sizes they "
        f"pool with window ceil(a/n) and stride floor(a/n) and give the 180-pixel network "
        f'"the same fixed length" as the 224-pixel one, but on its 10 x 10 map that rule '
        f"gives 9 windows per side for n = 6, not 6 (tutorial 4).",
    ),
    _c(
        "spp-spatial-information",
        PYRAMIDS,
        "The SPP vector contains rich spatial information, which increases accuracy.",
        T04,
        "This vector contains rich spatial information that increases the computer vision "
        "task accuracy.",
        f"{_HE} (Section 3.1.2, Table 2): multi-level pooling lowers the ImageNet error of "
        f"each network they try, also with a pyramid that has fewer parameters than the "
        f'network without SPP, so "the gain of multi-level pooling is not simply due to more '
        f'parameters"; they credit its robustness "to the variance in object deformations and '
        f'spatial layout".',
    ),
    _c(
        "spp-like-image-pyramid",
        PYRAMIDS,
        "Spatial pyramid pooling is extremely close to image pyramids.",
        T04,
        "Obviously, the concept of this method is extremely close to image pyramids in the "
        "traditional computer vision.",
        f"{_HE} take SPP from the pyramid match kernel ({_GRAUMAN}) and spatial pyramid "
        f"matching ({_LAZEBNIK}): a pyramid of ever "
        f"finer grids of bins over *one* image, not a pyramid of resolutions; He et al. use "
        f"image pyramids separately, for multi-size training and multi-scale testing.",
    ),
    _c(
        "spp-only-before-dense",
        PYRAMIDS,
        "Spatial pyramid pooling can only be used before a fully connected layer, because "
        "its parallel poolings have outputs of different sizes.",
        T04,
        "the spatial pyramid pooling could only be used before a fully connected neural "
        "network because the sizes of outputs from parallel max poolings are different",
        f"{_HE} feed the SPP vector to fully connected layers; {_ZHAO}'s pyramid pooling "
        f"module upsamples each pooled grid back to the map's size so the result feeds "
        f"further convolutions.",
    ),
    _c(
        "psp-upsample-stack",
        PYRAMIDS,
        "PSPNet's pyramid pooling module upsamples the pooled maps so that they can be "
        "stacked with the input feature map.",
        T04,
        "Therefore the outputs from parallel poolings could be stacked together.",
        f"{_ZHAO}: pooled to 1x1, 2x2, 3x3 and 6x6 bins, each reduced by a 1x1 convolution to "
        f"1/N of the channels, upsampled bilinearly and concatenated with the input map.",
    ),
    _c(
        "psp-like-deepdream",
        PYRAMIDS,
        "PSPNet's bilinear upsampling of the pooled maps is similar to DeepDream's method, "
        "and DeepDream came earlier.",
        T04,
        "Hengshuang Zhao used a method similar to Google DeepDream's method by resizing the "
        "pooled tensor to the original size by bilinear interpolation in PSPNet (I believe "
        "Google DeepDream algorithm came earlier than their publications).",
        f"DeepDream came first: {_DEEPDREAM} is from June 2015, {_ZHAO} from December 2016 "
        f"(arXiv) and CVPR 2017. The likeness is one step, a bilinear resize: DeepDream "
        f"resizes the *image* between scales of its gradient ascent ({_KERAS_DREAM}), PSPNet "
        f"the *pooled feature maps* to the map's size so that they can be concatenated.",
    ),
    _c(
        "bilinear-differentiable",
        PYRAMIDS,
        "Bilinear interpolation is differentiable.",
        T04,
        "Bilinear interpolation is differentiable.",
        "Bilinear resizing is linear in the input values (each output is a fixed weighted sum "
        f"of four inputs), so its gradient is that fixed matrix's transpose; {_ZHAO} train "
        f"through it end to end.",
    ),
    _c(
        "aspp-no-pooling",
        PYRAMIDS,
        "There is no pooling in atrous spatial pyramid pooling (ASPP).",
        T04,
        'The name of "atrous spatial pyramid pooling" is actually illusive because there is '
        'no "pooling" in the method.',
        f"True of DeepLab v2's ASPP ({_CHEN_V2}); DeepLab v3 ({_CHEN_V3}) adds an image-level "
        f"branch, global average pooling, because at large rates few of a 3x3 filter's "
        f"weights fall on the map.",
    ),
    _c(
        "aspp-stacked",
        PYRAMIDS,
        "The outputs of ASPP's parallel atrous convolutions are stacked as input for the "
        "following layers.",
        T04,
        "Similarly, the resulting outpus were stacked together as input for the following layers.",
        f"DeepLab v2 ({_CHEN_V2}) *sums* the branches' outputs (each branch ends in its own "
        f"classifier); DeepLab v3 ({_CHEN_V3}) concatenates them and projects them with a 1x1 convolution.",
    ),
    _c(
        "atrous-is-dilated",
        PYRAMIDS,
        "Atrous convolution is dilated convolution, and `tf.nn.atrous_conv2d` is a wrapper "
        "of `tf.nn.conv2d`.",
        T04,
        "However it is nothing fancy but a wrapper for tf.nn.conv2d.",
        f"{_CHEN_V2} name it after the *algorithme à trous* of wavelet analysis; "
        "[Yu & Koltun (2016)](https://arxiv.org/abs/1511.07122) call it dilated convolution.",
    ),
    _c(
        "dilation-rate-argument",
        PYRAMIDS,
        "The rate of an atrous convolution is set with the `dilation_rate` argument of "
        "`tf.layers.conv2d` and `tf.nn.conv2d`.",
        T04,
        'we could set the rate in the "dilation_rate" argument.',
        "TensorFlow's API reference ([tf.nn.conv2d](https://www.tensorflow.org/api_docs/python/tf/nn/conv2d)): "
        "`tf.nn.conv2d` takes `dilations`; `dilation_rate` is "
        "the argument of the layers (`tf.keras.layers.Conv2D`, and `tf.layers.conv2d` in "
        "TensorFlow 1); `tf.nn.atrous_conv2d` takes `rate`.",
    ),
    _c(
        "deeplab-v3plus",
        PYRAMIDS,
        "DeepLab v3+ puts ASPP's stacked outputs in front of the following layers of the "
        "network (the post's figure).",
        T04,
        "DeepLab v3+ Network Architecture",
        f"{_CHEN_V3PLUS}: DeepLab v3 becomes the encoder; a simple decoder upsamples its "
        f"output 4x, concatenates low-level features reduced by a 1x1 convolution, refines "
        f"with 3x3 convolutions and upsamples 4x again. Atrous separable convolution "
        f"(depthwise atrous, then pointwise) in ASPP and the decoder is an option they test "
        f"with the Xception backbone (SC in their Table 5); with ResNet-101 the convolutions "
        f"are ordinary ones.",
    ),
    # --- Jansson, Maydanskiy, Finnveden & Lindeberg ---------------------------------------
    _c(
        "feature-map-transform-invariance",
        JANSSON,
        "Spatial transformations of CNN feature maps cannot give invariance to scaling or "
        "shear unless the features themselves are invariant.",
        T05,
        "methods based on spatial transformations of CNN feature maps or filters cannot "
        "replace image alignment of the input and cannot enable invariant recognition for "
        "general affine transformations, specifically not for scaling transformations or "
        "shear transformations",
        f'The abstract rests the proof on "elementary analysis for both the single- and '
        f'multi-layer network case"; the summary in the source document names its '
        f"hypotheses, translation-covariant and semi-local feature extractors "
        f"({JANSSON_URL}). {_FINNVEDEN} show the practical side for spatial transformer "
        f"networks, and scale-channel networks ({_JANSSON_LINDEBERG}) get scale covariance "
        f"by moving values across channels, outside the theorems' purely spatial warps.",
    ),
    _c(
        "scaling-field-of-view",
        JANSSON,
        "Under a scaling, a feature extractor's field of view no longer matches the object, "
        "so its responses to a rescaled image need not take the same values as to the original.",
        T05,
        "For any transformation that includes a scaling component, the field of view of a "
        "feature extractor with respect to an object will differ between an original and "
        "rescaled image.",
        f"The paper's Figure 3 ({JANSSON_URL}). Scale-channel networks "
        f"({_JANSSON_LINDEBERG}) run the same filters on rescaled copies of the image, so that "
        f"in some channel the field of view matches the object again.",
    ),
    _c(
        "rotation-needs-invariant-features",
        JANSSON,
        "For rotations and reflections, spatially transforming feature maps enables "
        "invariance only with rotation- or reflection-invariant features.",
        T05,
        "For rotations and reflections, spatially transforming feature maps or filters can "
        "enable invariance but only for networks with learnt or hardcoded rotation- or "
        "reflection-invariant features",
        f"Group-equivariant networks get around it by permuting channels with the "
        f"transformation, as in the paper's Figure 2; {_FINNVEDEN} make the same point for "
        f"spatial transformers.",
    ),
    _c(
        "input-alignment",
        JANSSON,
        "Spatial transformations of feature maps cannot replace alignment of the input image.",
        T05,
        "The results imply that methods based on spatial transformations of CNN feature maps "
        "or filters cannot replace image alignment of the input",
        f"{_FINNVEDEN}: spatial transformers that transform the input outperform those that "
        f"transform feature maps, for rotation and scale.",
    ),
)

_BY_ID = {claim.id: claim for claim in CLAIMS}


def get_claim(claim_id: str) -> Claim:
    """Return the :class:`Claim` with id ``claim_id``.

    Parameters
    ----------
    claim_id : str
        The id of a claim in :data:`CLAIMS`.

    Returns
    -------
    Claim

    Raises
    ------
    ValueError
        If no claim has that id.

    Examples
    --------
    >>> get_claim("spp-fixed-length").notebook
    '04_image_pyramids.ipynb'
    """
    check.text(claim_id, "claim_id", optional=False)
    if claim_id not in _BY_ID:
        raise ValueError(
            f"`claim_id` must be the id of a claim in cnn101.claims.CLAIMS, one of "
            f"{', '.join(_BY_ID)}. Received: claim_id={describe(claim_id)}"
        )
    return _BY_ID[claim_id]


_COLOURS = {
    "confirmed": "#2e7d32",
    "refuted": "#c62828",
    "partly": "#ef6c00",
    "not detected": "#6d4c41",
    NOT_TESTED: "#616161",
}


@dataclass(frozen=True)
class ClaimRecord:
    """A verdict on one :class:`Claim`, with the measured figures behind it.

    Made by :func:`record` (or :func:`not_tested`). As the last expression of a notebook
    cell it shows a verdict box (HTML, with id ``claim-<id>``) and carries :meth:`to_json`
    under :data:`MIME_TYPE`.

    Attributes
    ----------
    claim : Claim
    verdict : {"confirmed", "refuted", "partly", "not detected", "not tested here"}
    evidence : str
        The sentence with the measured figure(s), or why the claim is not measured.
    values : dict of str to float
        The measured numbers (empty for a claim not tested here).
    parts : tuple of dict
        For a trained claim, one entry per rule: the rule (``says``, ``direction``,
        ``smallest``, ``record``, ``key``), the recorded interval (``mean``, ``low``,
        ``high``, ``seeds``, ``items``, ``detectable``) and its ``verdict``.

    Examples
    --------
    >>> r = record("pyramid-storage", verdict="confirmed", evidence="1.33x the pixels.")
    >>> print(r)  # doctest: +ELLIPSIS
    Claim 'pyramid-storage' (Lei Mao, ...): CONFIRMED. 1.33x the pixels.
    >>> MIME_TYPE in r._repr_mimebundle_()  # what Jupyter stores in the cell's output
    True
    """

    claim: Claim
    verdict: Literal["confirmed", "refuted", "partly", "not detected", "not tested here"]
    evidence: str
    values: Mapping[str, float] = field(default_factory=dict)
    parts: tuple[Mapping[str, Any], ...] = ()

    def to_json(self) -> dict[str, Any]:
        """Return the record as a JSON-serialisable dict.

        Returns
        -------
        dict
            Keys ``id``, ``verdict``, ``evidence``, ``values``, ``notebook`` and
            ``parts`` (empty unless the claim is trained).

        Examples
        --------
        >>> sorted(not_tested("pyramid-octave", reason="A name.").to_json())
        ['evidence', 'id', 'notebook', 'parts', 'values', 'verdict']
        """
        return {
            "id": self.claim.id,
            "verdict": self.verdict,
            "evidence": self.evidence,
            "values": dict(self.values),
            "notebook": self.claim.notebook,
            "parts": [dict(part) for part in self.parts],
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
            f"Verdict: {self.verdict}</strong>. {esc(self.evidence)}</p>"
            + self._parts_html()
            + "</div>"
        )

    def _parts_html(self) -> str:
        if not self.parts:
            return ""
        items = "".join(f"<li>{html.escape(describe_part(part))}</li>" for part in self.parts)
        return (
            '<p style="margin: 0.3em 0 0 0;">The verdict, computed by the rules declared '
            "with the claim from recorded runs (95 % intervals over seeds and test digits):"
            f'</p><ul style="margin: 0.2em 0;">{items}</ul>'
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
    check.instance(values, "values", Mapping, "a dict of names to numbers, or None")
    checked = {}
    for key, value in values.items():
        check.text(key, "values keys", optional=False, empty=False)
        # a finite float: an integer too large for one (10**400) is refused, not overflowed
        checked[key] = check.real_number(value, f"values[{key!r}]")
    return checked


def describe_part(part: Mapping[str, Any]) -> str:
    """Return one rule's outcome in a sentence: prediction, interval, seeds, verdict.

    Parameters
    ----------
    part : mapping
        One entry of :attr:`ClaimRecord.parts`.

    Returns
    -------
    str

    Examples
    --------
    >>> print(describe_part({"says": "pooling raises consistency", "direction": "increase",
    ...     "smallest": 0.05, "mean": 0.2, "low": 0.18, "high": 0.22, "seeds": 10,
    ...     "items": 300, "detectable": 0.03, "verdict": "confirmed"}))
    pooling raises consistency: +0.200 (+0.180 to +0.220), 10 seeds x 300 test digits; 0.05 or more matters: confirmed
    """
    keys = ("says", "direction", "smallest", "mean", "low", "high", "seeds", "items", "verdict")
    check.instance(part, "part", Mapping, "a mapping (an entry of ClaimRecord.parts)")
    if any(key not in part for key in keys):
        raise ValueError(
            f"`part` must be a mapping with the keys {', '.join(keys)} (an entry of "
            f"ClaimRecord.parts). Received: part={describe(part)}"
        )
    numbers_ = [part[k] for k in ("smallest", "mean", "low", "high", "detectable") if k in part]
    if not all(
        isinstance(v, numbers.Real) and not isinstance(v, bool) and math.isfinite(v)
        for v in numbers_
    ):
        raise ValueError(
            f"`part` must hold finite numbers for smallest, mean, low, high and detectable. "
            f"Received: part={describe(part)}"
        )
    reference = part.get("reference", 0.0)
    of = f" of {reference:g}" if reference else ""
    rule = (
        f"within ±{part['smallest']:g}{of} claimed"
        if part["direction"] == "none"
        else f"{part['smallest']:g} or more matters"
    )
    sign = "" if reference else "+"  # one arm's score, or a difference
    text = (
        f"{part['says']}: {part['mean']:{sign}.3f} ({part['low']:{sign}.3f} to "
        f"{part['high']:{sign}.3f}), "
        f"{part['seeds']} seeds x {part['items']} test digits; {rule}: {part['verdict']}"
    )
    if part["verdict"] == "not detected" and part["direction"] != "none":
        text += f" (the smallest effect this run could detect: {part['detectable']:.3f})"
    return text


def _parts(claim: Claim, folder: Any = None) -> tuple[list[dict[str, Any]], str]:
    """Return a trained claim's parts, each rule applied to its recorded interval, and the verdict."""
    parts, records = [], {}
    for rule in claim.rules:
        if rule.record not in records:
            records[rule.record] = verdicts.load(rule.record, folder)
        comparisons = records[rule.record]["comparisons"]
        if rule.key not in comparisons:
            raise ValueError(
                f"The recorded run {rule.record!r} has no comparison {rule.key!r} for claim "
                f"{claim.id!r}; make it again: {records[rule.record]['command']}"
            )
        found = comparisons[rule.key]
        parts.append(
            {
                "says": rule.says,
                "record": rule.record,
                "key": rule.key,
                "direction": rule.direction,
                "smallest": rule.smallest,
                "reference": rule.reference,
                **{k: found[k] for k in ("mean", "low", "high", "seeds", "items", "detectable")},
                "verdict": rule.verdict(found["low"], found["high"]),
            }
        )
    return parts, verdicts.combine([part["verdict"] for part in parts])


def record(
    claim_id: str,
    *,
    verdict: Literal["confirmed", "refuted", "partly"] | None = None,
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
    verdict : {"confirmed", "refuted", "partly"}, optional
        What the measurement says about a claim measured without training. A
        trained claim (one with :attr:`Claim.rules`) takes none: its verdict is
        computed by its rules from the recorded runs (:func:`cnn101.verdicts.load`),
        ``"confirmed"``, ``"refuted"``, ``"partly"`` or ``"not detected"``. A claim
        that is not measured is recorded with :func:`not_tested` instead.
    evidence : str
        One sentence with the measured figure(s) behind the verdict (for a trained
        claim: what the page's own runs show).
    values : dict of str to float, optional
        The measured numbers themselves (finite, JSON-serialisable).

    Returns
    -------
    ClaimRecord

    Raises
    ------
    cnn101.verdicts.StaleRecordError
        If a trained claim's recorded run was made by other code (a ValueError that
        names the command that makes it again).

    Examples
    --------
    >>> r = record("pyramid-storage", verdict="confirmed",
    ...            evidence="A 5-level pyramid of a 64x64 image stores 1.33x the pixels.",
    ...            values={"ratio": 1.3330078125})
    >>> r.to_json()["verdict"], r.claim.notebook
    ('confirmed', '04_image_pyramids.ipynb')
    >>> trained = record("pooling-translation-invariance", evidence="The page's runs agree.")
    >>> trained.verdict in COMPUTED, len(trained.parts)
    (True, 4)
    """
    claim = get_claim(claim_id)
    if claim.trained:
        if verdict is not None:
            raise ValueError(
                f"`verdict` must be left out for claim {claim_id!r}: training tests it, so its "
                "verdict is computed by its rules from the recorded runs. "
                f"Received: verdict={describe(verdict)}"
            )
    elif check.text(verdict, "verdict", optional=False) not in VERDICTS:
        raise ValueError(
            f"`verdict` must be one of {', '.join(repr(v) for v in VERDICTS)}. "
            f"Received: verdict={describe(verdict)}"
        )
    check.text(evidence, "evidence", optional=False)
    if not evidence.strip():
        raise ValueError(
            "`evidence` must be a non-empty sentence with the measured figure(s). "
            f"Received: evidence={describe(evidence)}"
        )
    values = _check_values(values)
    if not claim.trained:
        return ClaimRecord(claim, verdict, evidence.strip(), values)
    parts, computed = _parts(claim)
    return ClaimRecord(claim, computed, evidence.strip(), values, tuple(parts))


def not_tested(claim_id: str, *, reason: str) -> ClaimRecord:
    """Record that a claim is not measured here, and why (no verdict, no numbers).

    Call it as the last expression of the cell next to the text that discusses the
    claim: the claims page then links there, shows the reason, and gives the verdict
    ``"not tested here"``, never a measured one.

    Parameters
    ----------
    claim_id : str
        The id of a claim in :data:`CLAIMS`.
    reason : str
        Why the tutorials do not measure it (a name, a guess about another program, ...).

    Returns
    -------
    ClaimRecord
        With verdict ``"not tested here"`` and no values.

    Examples
    --------
    >>> r = not_tested("pyramid-octave", reason="A name, not a measurable property.")
    >>> r.to_json()["verdict"], r.to_json()["values"]
    ('not tested here', {})
    """
    claim = get_claim(claim_id)
    if not check.text(reason, "reason", optional=False).strip():
        raise ValueError(
            "`reason` must be a non-empty sentence saying why the claim is not measured. "
            f"Received: reason={describe(reason)}"
        )
    return ClaimRecord(claim, NOT_TESTED, reason.strip(), {})
