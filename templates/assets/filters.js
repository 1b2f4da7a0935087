// Filter and sort a list page's papers in place. The page lists every paper without JavaScript;
// each entry carries data-year, data-venue, data-topics, data-kind and data-code written at build time, and
// the filter bar's choices and counts come from Python too. This script only hides, moves and
// recounts entries, and keeps the choices in the address (?from=2021&code=1&sort=title).
(function () {
  "use strict";
  var form = document.querySelector(".list-filters");
  if (!form) return;
  var sections = Array.prototype.slice.call(document.querySelectorAll("main .year-group"));
  var items = [];
  sections.forEach(function (section) {
    Array.prototype.forEach.call(section.querySelectorAll(".paper-item"), function (item, position) {
      items.push({
        node: item, section: section, position: position,
        year: item.getAttribute("data-year"), venue: item.getAttribute("data-venue"), kind: item.getAttribute("data-kind"),
        topics: (item.getAttribute("data-topics") || "").split(" "), code: item.getAttribute("data-code") === "1",
        title: item.querySelector(".paper-title").textContent,
      });
    });
  });
  var firstSection = sections[0];
  var byTitle = document.createElement("ul");
  byTitle.className = "paper-list by-title";
  byTitle.hidden = true;
  var end = document.createComment(" end of the list ");
  if (firstSection) {
    firstSection.parentNode.insertBefore(byTitle, firstSection);
    firstSection.parentNode.insertBefore(end, sections[sections.length - 1].nextSibling);
  }
  var status = form.querySelector(".list-status");
  var NAMES = ["from", "to", "venue", "topic", "kind", "code", "sort"];

  function control(name) { return form.elements.namedItem(name); }
  function state() {
    var s = {};
    NAMES.forEach(function (name) {
      var c = control(name);
      s[name] = !c ? "" : c.type === "checkbox" ? (c.checked ? "1" : "") : c.value;
    });
    return s;
  }
  function passes(item, s, skip) {
    if (skip !== "year" && s.from && +item.year < +s.from) return false;
    if (skip !== "year" && s.to && +item.year > +s.to) return false;
    if (skip !== "venue" && s.venue && item.venue !== s.venue) return false;
    if (skip !== "topic" && s.topic && item.topics.indexOf(s.topic) === -1) return false;
    if (skip !== "kind" && s.kind && item.kind !== s.kind) return false;
    if (skip !== "code" && s.code && !item.code) return false;
    return true;
  }
  // Counts read as the build writes them: "2,356".
  function thousands(n) { return n.toLocaleString("en-US"); }

  function relabel(name, counts) {
    var select = control(name);
    if (!select) return;
    Array.prototype.forEach.call(select.options, function (option) {
      if (option.value) option.textContent = option.getAttribute("data-label") + " (" + thousands(counts[option.value] || 0) + ")";
    });
  }

  function apply() {
    var s = state(), shown = 0, years = {}, venues = {}, topics = {}, kinds = {}, code = 0, perSection = new Map();
    items.forEach(function (item) {
      var visible = passes(item, s, null);
      item.node.hidden = !visible;
      if (visible) {
        shown++;
        perSection.set(item.section, (perSection.get(item.section) || 0) + 1);
      }
      if (passes(item, s, "year")) years[item.year] = (years[item.year] || 0) + 1;
      if (passes(item, s, "venue") && item.venue) venues[item.venue] = (venues[item.venue] || 0) + 1;
      if (passes(item, s, "topic")) item.topics.forEach(function (t) { topics[t] = (topics[t] || 0) + 1; });
      if (passes(item, s, "kind")) kinds[item.kind] = (kinds[item.kind] || 0) + 1;
      if (passes(item, s, "code") && item.code) code++;
    });
    relabel("from", years);
    relabel("to", years);
    relabel("venue", venues);
    relabel("topic", topics);
    relabel("kind", kinds);
    var codeLabel = control("code") && control("code").parentNode.querySelector("span");
    if (codeLabel) codeLabel.textContent = codeLabel.getAttribute("data-label") + " (" + thousands(code) + ")";

    // Order: newest first as built, oldest first, or one list by title.
    if (s.sort === "title") {
      items.slice().sort(function (a, b) { return a.title.localeCompare(b.title); })
        .forEach(function (item) { byTitle.appendChild(item.node); });
      byTitle.hidden = false;
      sections.forEach(function (section) { section.hidden = true; });
    } else {
      byTitle.hidden = true;
      var ordered = s.sort === "old" ? sections.slice().reverse() : sections;
      ordered.forEach(function (section) {
        var list = section.querySelector(".paper-list");
        items.filter(function (item) { return item.section === section; })
          .sort(function (a, b) { return s.sort === "old" ? b.position - a.position : a.position - b.position; })
          .forEach(function (item) { list.appendChild(item.node); });
        end.parentNode.insertBefore(section, end);
        var count = section.querySelector("h2 .count");
        if (count) count.textContent = thousands(perSection.get(section) || 0);
        section.hidden = !perSection.get(section);
      });
    }
    var total = items.length;
    status.textContent = (shown === total ? thousands(total) + (total === 1 ? " paper" : " papers") :
      thousands(shown) + " of " + thousands(total) + " papers") + (status.getAttribute("data-paged") ? " on this page" : "");
  }

  function toAddress() {
    var params = new URLSearchParams(location.search), s = state();
    NAMES.forEach(function (name) { if (s[name]) params.set(name, s[name]); else params.delete(name); });
    var qs = params.toString();
    return (qs ? "?" + qs : location.pathname.split("/").pop()) + location.hash;
  }
  function restore() {
    var params = new URLSearchParams(location.search);
    NAMES.forEach(function (name) {
      var c = control(name);
      if (!c) return;
      if (c.type === "checkbox") c.checked = params.get(name) === "1";
      else c.value = params.get(name) || "";
      if (c.value === undefined || (c.tagName === "SELECT" && c.selectedIndex < 0)) c.selectedIndex = 0;
    });
  }

  form.addEventListener("change", function () {
    apply();
    try { history.pushState(null, "", toAddress()); } catch (e) { /* history refused (file://) */ }
  });
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  window.addEventListener("popstate", function () { restore(); apply(); });
  restore();
  apply();
})();
