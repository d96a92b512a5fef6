// Typeset math with the vendored KaTeX (no CDN), on every page Material shows.
// Markdown pages: pymdownx.arithmatex (generic) wraps math in .arithmatex as \( \) / \[ \].
// Notebook pages: nbconvert keeps $...$ and $$...$$ in the rendered markdown cells.
document$.subscribe(({ body }) => {
  const options = {
    delimiters: [
      { left: "$$", right: "$$", display: true },
      { left: "\\[", right: "\\]", display: true },
      { left: "$", right: "$", display: false },
      { left: "\\(", right: "\\)", display: false },
    ],
    throwOnError: false,
  };
  for (const element of body.querySelectorAll(".arithmatex, .jp-RenderedMarkdown")) {
    renderMathInElement(element, options);
  }
});
