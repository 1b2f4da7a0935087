// Small progressive enhancements; every page works without JavaScript.
(function () {
  "use strict";
  var root = document.documentElement;
  var stored = null;
  try { stored = localStorage.getItem("theme"); } catch (e) { /* storage blocked: follow the system */ }
  if (stored === "light" || stored === "dark") root.setAttribute("data-theme", stored);

  document.addEventListener("DOMContentLoaded", function () {
    var toggle = document.querySelector(".theme-toggle");
    if (toggle) {
      toggle.hidden = false;
      toggle.addEventListener("click", function () {
        var dark = root.getAttribute("data-theme") === "dark" ||
          (!root.getAttribute("data-theme") && window.matchMedia("(prefers-color-scheme: dark)").matches);
        var next = dark ? "light" : "dark";
        root.setAttribute("data-theme", next);
        try { localStorage.setItem("theme", next); } catch (e) { /* ignore */ }
      });
    }
    // The 404 page offers to search for the words of the missing address ("/papers/some-paper.html").
    var missing = document.querySelector("input[data-from-address]");
    if (missing && !missing.value) {
      var last = location.pathname.split("/").pop() || "";
      try { last = decodeURIComponent(last); } catch (e) { /* a malformed escape: use it as it is */ }
      last = last.replace(/\.html?$/, "").replace(/[^\p{L}\p{N}]+/gu, " ").trim();
      if (last !== "404") missing.value = last;
    }
    document.querySelectorAll("button[data-copy]").forEach(function (button) {
      var source = document.getElementById(button.getAttribute("data-copy"));
      if (!source || !navigator.clipboard) return;
      button.hidden = false;
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(source.textContent).then(function () {
          button.textContent = "Copied";
          setTimeout(function () { button.textContent = "Copy BibTeX"; }, 1500);
        });
      });
    });
  });
})();
