// Loaded on pages with widgets, after require.js and before embed-amd.js (see _config.yml).
(function () {
  // embed-amd.js finds its icon fonts beside the URL RequireJS gives its module, which by default
  // is relative to the page. Map that module to the vendored copy in _static/jupyter-widgets/.
  var widgets = new URL("jupyter-widgets/", document.currentScript.src).href;
  window.requirejs.config({
    paths: { "@jupyter-widgets/html-manager/dist/libembed-amd": widgets + "embed-amd" },
  });

  // Widgets typeset their labels with the MathJax 2 call MathJax.Hub.Queue(["Typeset", Hub, el]),
  // which fails under the book's MathJax 3. Provide it on top of MathJax 3, with Jupyter's $...$
  // delimiters. Widgets render on "load", after MathJax (a deferred script) has replaced
  // window.MathJax, so the shim is installed on DOMContentLoaded, in between.
  function dollarsToParens(element) {
    var walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
    for (var node = walker.nextNode(); node; node = walker.nextNode()) {
      node.nodeValue = node.nodeValue.replace(/\$([^$]+)\$/g, "\\($1\\)");
    }
  }

  window.addEventListener("DOMContentLoaded", function () {
    var mathjax = window.MathJax;
    if (!mathjax || !mathjax.startup || mathjax.Hub) {
      return;
    }
    mathjax.Hub = {
      Queue: function (job) {
        var element = job[2];
        mathjax.startup.promise = mathjax.startup.promise.then(function () {
          dollarsToParens(element);
          return mathjax.typesetPromise([element]);
        });
        return mathjax.startup.promise;
      },
    };
  });
})();
