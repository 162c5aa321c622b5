// The ipywidgets embedder (html-manager) loads its icon fonts relative to its AMD
// module's address, "@jupyter-widgets/html-manager/dist/...", which require.js resolves
// against the page: book/@jupyter-widgets/... does not exist (404s, missing icons).
// Point that module path at the book's own copy in _static/html-manager/.
(function () {
  var base = document.currentScript.src.replace(/[^/]*$/, "");  // .../_static/
  window.require.config({
    paths: {"@jupyter-widgets/html-manager/dist": base + "html-manager"},
  });
})();
