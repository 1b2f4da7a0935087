// Client-side search over assets/search-index.js: every word typed must appear in a paper's title,
// authors, venue, keywords or topics. Results are built with textContent, never innerHTML, so
// record text cannot become markup. Works from disk (file://) as well as from a server.
(function () {
  "use strict";
  var data = window.CATALOG_SEARCH_INDEX;
  var form = document.querySelector(".search-form");
  if (!data || !form) return;
  var input = document.getElementById("search-q");
  var topicSelect = document.getElementById("search-topic");
  var yearSelect = document.getElementById("search-year");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var LIMIT = 200;

  function fold(text) {
    return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  // One searchable text per paper, built once.
  var papers = data.papers.map(function (row) {
    var topics = row[5].map(function (i) { return data.topics[i]; });
    return {
      id: row[0], title: row[1], authors: row[2], year: row[3], venue: row[4], topics: topics,
      keywords: row[6],
      titleText: fold(row[1]),
      text: fold([row[1], row[2].join(" "), row[4], row[6].join(" "),
                  topics.map(function (t) { return t[1]; }).join(" "), String(row[3])].join(" \u0001 ")),
    };
  });

  // A plural finds its singular ("lotteries" -> "lottery", "networks" -> "network"): words are
  // matched as substrings, so the shorter form still finds the plural in the text.
  function singular(word) {
    if (word.length < 4) return word;
    if (/ies$/.test(word)) return word.slice(0, -3) + "y";
    if (/(ss|us|is)$/.test(word)) return word;
    if (/s$/.test(word)) return word.slice(0, -1);
    return word;
  }

  function search(query, topic, year) {
    var words = fold(query).split(/\s+/).filter(Boolean).map(singular);
    var found = [];
    papers.forEach(function (paper) {
      if (topic && !paper.topics.some(function (t) { return t[0] === topic; })) return;
      if (year && String(paper.year) !== year) return;
      var titleHits = 0;
      for (var i = 0; i < words.length; i++) {
        if (paper.text.indexOf(words[i]) === -1) return;
        if (paper.titleText.indexOf(words[i]) !== -1) titleHits++;
      }
      found.push({ paper: paper, score: titleHits });
    });
    // Papers matching in the title first; then the catalog's order (newest first).
    found.sort(function (a, b) { return b.score - a.score; });
    return found.map(function (f) { return f.paper; });
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function render(results) {
    list.textContent = "";
    results.slice(0, LIMIT).forEach(function (paper) {
      var item = element("li", "paper-item");
      var link = element("a", "paper-title", paper.title);
      link.href = "papers/" + paper.id + ".html";
      item.appendChild(link);
      var meta = element("div", "paper-meta");
      if (paper.authors.length) {
        var shown = paper.authors.slice(0, 6).join(", ") + (paper.authors.length > 6 ? ", et al." : "");
        meta.appendChild(element("span", "authors", shown));
      }
      var year = String(paper.year);
      var when = !paper.venue ? year : (paper.venue.indexOf(year) === -1 ? paper.venue + " · " + year : paper.venue);
      meta.appendChild(element("span", "venue-year", when));
      item.appendChild(meta);
      var tags = element("ul", "tags");
      paper.topics.forEach(function (topic) {
        var li = element("li");
        var a = element("a", "tag tag-topic", topic[1]);
        a.href = "topics/" + topic[0] + ".html";
        li.appendChild(a);
        tags.appendChild(li);
      });
      item.appendChild(tags);
      list.appendChild(item);
    });
    var n = results.length;
    status.textContent = n === 0 ? "No papers match." :
      (n > LIMIT ? "Showing the first " + LIMIT + " of " + n + " papers." : n + (n === 1 ? " paper." : " papers."));
  }

  function update(push) {
    var query = input.value.trim(), topic = topicSelect.value, year = yearSelect.value;
    if (!query && !topic && !year) {
      list.textContent = "";
      status.textContent = "Type to search " + papers.length + " papers.";
    } else {
      render(search(query, topic, year));
    }
    if (push) {
      var params = new URLSearchParams();
      if (query) params.set("q", query);
      if (topic) params.set("topic", topic);
      if (year) params.set("year", year);
      var qs = params.toString();
      try { history.replaceState(null, "", qs ? "?" + qs : location.pathname); } catch (e) { /* file:// */ }
    }
  }

  var params = new URLSearchParams(location.search);
  input.value = params.get("q") || "";
  topicSelect.value = params.get("topic") || "";
  yearSelect.value = params.get("year") || "";
  var timer = null;
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { update(true); }, 120);
  });
  topicSelect.addEventListener("change", function () { update(true); });
  yearSelect.addEventListener("change", function () { update(true); });
  form.addEventListener("submit", function (event) { event.preventDefault(); update(true); });
  update(false);
  input.focus();
})();
