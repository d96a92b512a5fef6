"""Every sentence of the source documents: a claim of cnn101.claims, or marked as not a claim.

The tutorials test what their sources say (the page "Claims and verdicts"). So that no claim of a
source is missed, each sentence of each source document (``../shared/sources/``, next to
the repository) is either

* covered by a claim: the claim's quote lies in the sentence, or the sentence in the quote
  (a quote may span sentences), or the sentence is listed in :data:`MARKS` with the id of
  the claim it belongs to (a sentence that restates or belongs to a claim quoted elsewhere);
* or listed in :data:`MARKS` with the reason it is not a claim (a heading, code, the
  author's plan, a definition, a citation, ...).

:func:`sentences` cuts a document into sentences: prose lines (front matter, headings and
comments starting with ``#``, reference-list entries ``[n]`` and lines of fewer than four
words, such as code, image links and captions of one to three words, are not prose), split
after ``.``, ``?`` or ``!`` before a capital letter. Marks are keyed by the first words of a
sentence (normalised by :func:`words`), so a mark survives small edits elsewhere.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*[,.;:?!]?")


def words(text: str) -> str:
    """Text with curly quotes straightened, Markdown links reduced to their text, spaces single."""
    text = text.replace("’", "'").replace("“", '"').replace("”", '"')
    text = re.sub(r"!?\[([^\]]*)\]\([^)\s]*\)", r"\1", text)
    return " ".join(text.split())


def _prose(lines):
    in_front_matter = False
    for number, line in enumerate(lines):
        stripped = line.strip()
        if number == 0 and stripped == "---":
            in_front_matter = True
            continue
        if in_front_matter:
            in_front_matter = stripped != "---"
            continue
        if stripped.startswith("#") or re.match(r"\[\d+\]", stripped):
            continue
        if sum(bool(_WORD.fullmatch(token)) for token in stripped.split()) < 4:
            continue
        yield words(stripped)


def sentences(text: str) -> list[str]:
    """Return the sentences of a source document, in order (see the module docstring)."""
    found = []
    for line in _prose(text.splitlines()):
        for sentence in re.split(r"(?<=[.?!])\s+(?=[A-Z\"(])", line):
            if sum(bool(_WORD.fullmatch(token)) for token in sentence.split()) >= 4:
                found.append(sentence)
    return found


_BACKGROUND = "background the tutorial teaches, not a claim the post argues"
_QUESTION = "the author's question, not a claim"
_PERSONAL = "the author's own experience or plan, not a claim"
_POINTER = "a pointer to another page or tool"
_TITLE = "a title or heading"
_SUMMARY_PAGE = "the summary page's framing of the paper, no claim of its own"

# Sentences that carry no quote of a claim: the claim they belong to, or why they are none.
# Keyed by the first words of the sentence, as :func:`sentences` returns it.
MARKS: dict[str, dict[str, str]] = {
    "krishnan-translation-invariance-and-cnn.txt": {
        "Translation in-variance and CNN": _TITLE,
        "Before we start, make sure": "advice to the reader",
        "You can check out the convolution 101": _POINTER,
        "In convolution 101 : we discussed": "what an earlier post did",
        "We build an edge detector from scratch": "what an earlier post did",
        "How computer sees images": _TITLE,
        "An image is made of pixels.": _BACKGROUND,
        "The more pixels an image has": _BACKGROUND,
        "A problem we've is, computers": _BACKGROUND,
        "Computer only understand numbers.": _BACKGROUND,
        "The computer uses a color model": _BACKGROUND + " (tutorial 1 loads RGB and gray)",
        "With RGB color model": _BACKGROUND + " (tutorial 1 shows the 8-bit values)",
        "An 8 bit number can store": _BACKGROUND + " (tutorial 1 shows the 8-bit values)",
        "There are 3 channels and": _BACKGROUND,
        "In contrast the Gray scale images": _BACKGROUND + " (tutorial 1 checks the gray weights)",
        "Here 0 means black and 255": _BACKGROUND,
        "Since a computer only understand numbers": _BACKGROUND,
        "Why Convolutional Neural Network ?": _TITLE,
        "Traditional machine learning approach consist": "pixel-comparison-translations",
        "Traditional machine learning methods do not": "pixel-comparison-translations",
        "For computer these are two different images": "flip-as-translation",
        "The objects inside the image are often": "pixel-comparison-translations",
        "This is why we use CNNs": "pixel-comparison-translations",
        "Transnational In-variance makes the CNN": "pixel-comparison-translations",
        "The main part of convolution": _BACKGROUND + " (tutorial 1 slides a kernel)",
        "We slide the filter through the image": _BACKGROUND + " (tutorial 1 slides a kernel)",
        "The kernel is nothing but a filter": _BACKGROUND,
        "The kernel is a matrix that moves": _BACKGROUND + " (tutorial 1 checks the sum by hand)",
        "The Kernel moves on the input data": _BACKGROUND + " (tutorial 1 checks the strides)",
        "If stride=1 then kernel moves": _BACKGROUND + " (tutorial 1 checks the strides)",
        "In short, the kernel is used": _BACKGROUND + " (tutorial 1 runs edge kernels)",
        "Lets define a simple array": "introduces the example of kernel-extracts-line",
        "[ left ] Convolution output": "a figure caption",
        "Pooling : Summarizing the feature map": _TITLE,
        "Notice that after applying the ReLU": "pooling-summarises",
        "These black areas of the feature map": "pooling-summarises",
        "However they position the pattern": "pooling-summarises",
        "This is exactly what pooling layers do": "pooling-summarises",
        "What maximum pooling does is": "a definition (tutorial 1 checks max pooling window by window)",
        "What average pooling does is": "a definition (tutorial 1 compares average pooling)",
        "Instead of down sampling patches": "global-pooling-window",
        "Why to use Pooling Layers?": _TITLE,
        "• Pooling layers are used to reduce": "pooling-summarises",
        "• The pooling layer summarizes the features": "pooling-summarises",
        "So, further operations are performed": "pooling-translation-invariance",
        "This makes the model more robust": "pooling-translation-invariance",
        "Lets see how convolution kernel extract": _POINTER,
        "Convolution kernel extract patterns from": "a figure caption",
        "Convolution output before applying activation": "a figure caption",
        "Now let's isolate the patterns by": "relu-isolates-line",
        "We can see that , by applying": "relu-isolates-line",
        "Max pooling intensify the extracted patterns": "max-pool-intensifies",
        "Today we learned about the mathematics": "the post's summary",
        "Today we learned that by sliding": "kernel-extracts-line",
        "This output of convolution is passed": "max-pool-intensifies",
        "An image kernel is a small matrix": _BACKGROUND + " (tutorial 1's kernels)",
        "They're used in machine learning": _BACKGROUND,
        "Find more at Kernel (image processing)": _POINTER,
    },
    "forum-cnns-and-different-spatial-resolutions.txt": {
        "CNNs and different spatial resolutions": _TITLE,
        "How does a CNN deal with": _QUESTION,
        '"Spatial resolution": The ratio between': "a definition of the thread's term",
        "If I have a picture of two": _QUESTION,
        "In other words, how does a": _QUESTION,
        "Does it create different filters for": _QUESTION,
        "Does it use downsampling to somehow": _QUESTION,
        "Here's a picture of two cats": "introduces the example of corner-filter-resolutions",
        "Say a CNN found it useful": "corner-filter-resolutions",
        "Here's another filter applied to the": "corner-filter-resolutions",
        "Here the spatial resolution mattered with": "corner-filter-resolutions",
        "The weirdness of this filter makes": "corner-filter-resolutions",
        "I'm thinking of trying transfer learning": _PERSONAL,
        "I thought the initial, low-level filters": "early-layers-transfer",
        "An experiment-oriented way: Just do it.": _PERSONAL,
        "See if transfer learning helps.": _PERSONAL,
        "A theory-oriented way: Use Deep": _PERSONAL,
        "It's definitely not perfect scale invariance": "max-pool-scale-luck",
        "Generally scale invariance happens through:": "scale-from-zoom-augmentation",
        "So the CNN learns to become": "scale-from-natural-sizes",
        "I'd suggest focusing on experiments": "advice to the asker",
        "I haven't tried any scale invariant": _PERSONAL,
        "I'm not sure anyone has looked": "the author's uncertainty, not an assertion",
        "Just a very simple experiment with": "squares-all-but-largest",
    },
    "jansson-et-al-2020-inability-of-spatial-transformations.txt": {
        "Inability of spatial transformations of CNN": _TITLE,
        "Ylva Jansson, Maksim Maydanskiy, Lukas": "the authors",
        "The paper investigates whether purely spatial": "feature-map-transform-invariance",
        "It develops a rigorous, elementary analysis": "feature-map-transform-invariance",
        "Consequently, invariance to affine, scale, or": "feature-map-transform-invariance",
        "The results have direct implications for": "input-alignment",
        "Overall, the work clarifies fundamental limits": _SUMMARY_PAGE,
        "A large number of deep learning": "the problem the paper addresses, not a result",
        "In this paper, we prove that": "feature-map-transform-invariance",
        "Our proof is based on elementary": "feature-map-transform-invariance",
        "This paper contains 27 sections, 53": "the summary page's count of the paper's parts",
        "• Figure 1: Commutative diagram for": "a diagram's caption (tutorial 5 draws the diagram)",
        "• Figure 2: An inverse spatial": "rotation-needs-invariant-features",
        "Here, the network $\\Lambda$ has two": "rotation-needs-invariant-features",
        "Since different feature channels respond to": "rotation-needs-invariant-features",
        "In fact, spatially transforming feature maps": "feature-map-transform-invariance",
        "Consider e.g. a simple linear model": "scaling-field-of-view",
        "When applied to the original image,": "scaling-field-of-view",
        "When applied to a rescaled image,": "scaling-field-of-view",
    },
    "leimao-image-pyramids-in-deep-learning.md": {
        "Image pyramids were basically a series": "a definition (tutorial 4 builds the pyramids)",
        "These images stack together from high": "a definition (tutorial 4 builds the pyramids)",
        "One of the advantages of such": "coarse-to-fine-translations",
        "For example, if you are looking": "coarse-to-fine-translations",
        "CMU has a basic introduction to": _POINTER,
        "The concept of image pyramids have": "spp-like-image-pyramid",
        "Baiscally given a tensor input, three": "spp-fixed-length",
        "The tensors were then linearized and": "spp-fixed-length",
        "The implementation of such spatial pyramid": _POINTER,
        "You would not be able to": "spp-only-before-dense",
        "In TensorFlow, we could use either": _POINTER,
        "tf.image.resize_images](https://www.tensorflow.org/api_docs/python/tf/image/resize_images) to do": _POINTER,
        "Liang-Chieh Chen used atrous convolution to": "aspp-no-pooling",
        "Atrous convolution is nothing special but": "atrous-is-dilated",
        "In other words, ordinary convolution is": "atrous-is-dilated",
        "In atrous convolution, when rate =": "atrous-is-dilated",
        "I don't know why people invented": "atrous-is-dilated",
        "In stead of doing parallel pooling,": "aspp-no-pooling",
        "It is actually easy to implement": "dilation-rate-argument",
        "Because DeepLab is a Google product,": "atrous-is-dilated",
        'Finally, remember to set the "padding"': "advice to the reader",
    },
}
