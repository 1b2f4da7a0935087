// Ranked search over the index in search/ (written by search_index.py at build time).
//
// Every index file is a script calling CatalogSearch.add(part, key, data), so the search works from
// disk (file://), where browsers refuse fetch(). Only the small manifest loads up front; a query
// loads the term shards of its words, the facet chunks of its matches and the result chunks it
// shows. Scores, display strings and file names come from Python; this script only adds scores up,
// filters, counts and draws. Results are built with textContent, never innerHTML: record text
// cannot become markup.
(function () {
  "use strict";
  var script = document.currentScript;
  var form = document.querySelector(".search-form");
  if (!script || !form) return;
  var root = script.getAttribute("data-root") || "";
  var PAGE = 20, MAX_PREFIX_SHARDS = 8;

  var input = document.getElementById("search-q");
  var controls = {
    topic: document.getElementById("facet-topic"),
    venue: document.getElementById("facet-venue"),
    from: document.getElementById("facet-from"),
    to: document.getElementById("facet-to"),
    kind: document.getElementById("facet-kind"),
    code: document.getElementById("facet-code"),
    sort: document.getElementById("search-sort"),
  };
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var more = document.getElementById("search-more");

  // -- loading index files with <script> tags -----------------------------------------------------
  var files = {};  // "part:key" -> {promise, resolve, reject, data}
  window.CatalogSearch = {
    add: function (part, key, data) {
      var entry = slot(part + ":" + key);
      entry.data = data;
      entry.resolve(data);
    },
  };
  function slot(id) {
    if (!files[id]) {
      var entry = {};
      entry.promise = new Promise(function (resolve, reject) { entry.resolve = resolve; entry.reject = reject; });
      files[id] = entry;
    }
    return files[id];
  }
  function load(part, key, src) {
    var entry = slot(part + ":" + key);
    if (!entry.requested) {
      entry.requested = true;
      var tag = document.createElement("script");
      tag.src = src;
      tag.onerror = function () { entry.reject(new Error("could not load " + src)); };
      document.head.appendChild(tag);
    }
    return entry.promise;
  }

  var manifest, shardFile = {}, maxKey = 0, stopWords = {}, yearOf;
  function shardKeyFor(term) {
    for (var length = Math.min(term.length, maxKey); length > 0; length--) {
      if (shardFile[term.slice(0, length)]) return term.slice(0, length);
    }
    return null;
  }
  function loadShard(key) {
    return load("t", key, root + shardFile[key]).then(function (terms) { return { key: key, terms: terms }; });
  }
  function chunkSrc(part, number) { return root + manifest.files[part].replace("%", String(number)); }

  // -- query words: the same rules as search_index.tokenize -----------------------------------------
  function fold(text) { return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase(); }
  function singular(word) {
    if (word.length < 4 || /(ss|us|is)$/.test(word)) return word;
    if (/ies$/.test(word)) return word.slice(0, -3) + "y";
    if (/s$/.test(word)) return word.slice(0, -1);
    return word;
  }
  function queryWords(query) {
    var raw = fold(query).split(/[^\p{L}\p{N}]+/u).filter(function (w) { return w && !stopWords[w]; });
    // The last word is still being typed unless a space follows it: match it as a prefix too.
    var typing = raw.length > 0 && !/[^\p{L}\p{N}]$/u.test(query);
    return raw.map(function (w, i) {
      return { raw: w, term: singular(w), prefix: typing && i === raw.length - 1 && w.length >= 2 };
    });
  }

  // -- postings -----------------------------------------------------------------------------------
  var DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_";
  var VALUE = {};
  for (var d = 0; d < DIGITS.length; d++) VALUE[DIGITS.charAt(d)] = d;
  var decoded = {};
  function postings(term, entry) {
    // entry: [the term's highest score, "(paper number delta, score level)..."]
    if (decoded[term]) return decoded[term];
    var top = entry[0], text = entry[1], docs = [], scores = [], doc = 0, i = 0;
    while (i < text.length) {
      var delta = 0, v;
      while ((v = VALUE[text.charAt(i++)]) >= 32) delta = delta * 32 + (v - 32);
      doc += delta * 32 + v;
      docs.push(doc);
      scores.push(VALUE[text.charAt(i++)] / manifest.levels * top);
    }
    return (decoded[term] = { docs: docs, scores: scores });
  }
  function decodeNumbers(text) {
    var out = [], i = 0;
    while (i < text.length) {
      var value = 0, v;
      while ((v = VALUE[text.charAt(i++)]) >= 32) value = value * 32 + (v - 32);
      out.push(value * 32 + v);
    }
    return out;
  }

  // Edit distance with transpositions, giving up beyond `limit`.
  function withinDistance(a, b, limit) {
    if (Math.abs(a.length - b.length) > limit) return false;
    var prev2 = null, prev = [], row, i, j;
    for (j = 0; j <= b.length; j++) prev.push(j);
    for (i = 1; i <= a.length; i++) {
      row = [i];
      var best = i;
      for (j = 1; j <= b.length; j++) {
        var cost = a.charAt(i - 1) === b.charAt(j - 1) ? 0 : 1;
        var value = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost);
        if (prev2 && i > 1 && j > 1 && a.charAt(i - 1) === b.charAt(j - 2) && a.charAt(i - 2) === b.charAt(j - 1)) {
          value = Math.min(value, prev2[j - 2] + 1);
        }
        row.push(value);
        if (value < best) best = value;
      }
      if (best > limit) return false;
      prev2 = prev;
      prev = row;
    }
    return prev[b.length] <= limit;
  }

  // Which index terms a query word matches, with a weight: itself 1, a completion 0.8, a near miss 0.5.
  function wordMatches(word, shards) {
    var found = {}, any = false;
    shards.forEach(function (shard) {
      if (shard.terms[word.term] !== undefined) { found[word.term] = 1; any = true; }
      if (!word.prefix) return;
      Object.keys(shard.terms).forEach(function (term) {
        if (term !== word.term && term.indexOf(" ") === -1 && term.lastIndexOf(word.raw, 0) === 0) {
          found[term] = Math.max(found[term] || 0, 0.8);
          any = true;
        }
      });
    });
    if (!any && word.term.length >= 4) {
      var limit = word.term.length >= 8 ? 2 : 1;
      shards.forEach(function (shard) {
        Object.keys(shard.terms).forEach(function (term) {
          if (term.indexOf(" ") === -1 && withinDistance(word.term, term, limit)) found[term] = 0.5;
        });
      });
    }
    var terms = [];
    shards.forEach(function (shard) {
      Object.keys(found).forEach(function (term) {
        if (shard.terms[term] !== undefined) terms.push({ term: term, weight: found[term], text: shard.terms[term] });
      });
    });
    return terms;
  }

  function shardsForWord(word) {
    var keys = {}, key = shardKeyFor(word.term);
    if (key) keys[key] = true;
    if (word.prefix) {
      var own = shardKeyFor(word.raw);
      if (own) keys[own] = true;
      var longer = manifest.shards.filter(function (s) { return s[0].length > word.raw.length && s[0].lastIndexOf(word.raw, 0) === 0; });
      if (longer.length <= MAX_PREFIX_SHARDS) longer.forEach(function (s) { keys[s[0]] = true; });
    }
    return Object.keys(keys);
  }

  // Scores of the papers that match every word (null when the query has no words).
  function matchQuery(words) {
    if (!words.length) return Promise.resolve(null);
    var pairs = [];
    for (var i = 0; i + 1 < words.length; i++) pairs.push(words[i].term + " " + words[i + 1].term);
    var perWord = words.map(function (word) { return Promise.all(shardsForWord(word).map(loadShard)); });
    var pairShards = Promise.all(pairs.map(function (pair) {
      var key = shardKeyFor(pair);
      return key ? loadShard(key) : null;
    }));
    return Promise.all([Promise.all(perWord), pairShards]).then(function (loaded) {
      var total = null;
      loaded[0].forEach(function (shards, index) {
        var best = new Map();
        wordMatches(words[index], shards).forEach(function (match) {
          var p = postings(match.term, match.text);
          for (var k = 0; k < p.docs.length; k++) {
            var score = p.scores[k] * match.weight;
            if (!(best.get(p.docs[k]) >= score)) best.set(p.docs[k], score);
          }
        });
        if (total === null) { total = best; return; }
        var next = new Map();
        total.forEach(function (score, doc) { if (best.has(doc)) next.set(doc, score + best.get(doc)); });
        total = next;
      });
      // Adjacent words that are adjacent in a title too: the phrase ranks first.
      loaded[1].forEach(function (shard, index) {
        if (!shard || shard.terms[pairs[index]] === undefined) return;
        var p = postings(pairs[index], shard.terms[pairs[index]]);
        for (var k = 0; k < p.docs.length; k++) {
          if (total.has(p.docs[k])) total.set(p.docs[k], total.get(p.docs[k]) + p.scores[k]);
        }
      });
      return total;
    });
  }

  // -- facets ---------------------------------------------------------------------------------------
  var facets = {};  // chunk number -> [{flags, venue, topics}]
  function loadFacets(docs) {
    var needed = {};
    docs.forEach(function (doc) { needed[Math.floor(doc / manifest.facetChunk)] = true; });
    return Promise.all(Object.keys(needed).map(function (n) {
      if (facets[n]) return null;
      return load("f", n, chunkSrc("f", n)).then(function (text) {
        var values = decodeNumbers(text), rows = [], i = 0;
        while (i < values.length) {
          var count = values[i + 2];
          rows.push({ code: values[i] & 1, kind: values[i] >> 1, venue: values[i + 1] - 1,
                      topics: values.slice(i + 3, i + 3 + count) });
          i += 3 + count;
        }
        facets[n] = rows;
      });
    }));
  }
  function facetOf(doc) { return facets[Math.floor(doc / manifest.facetChunk)][doc % manifest.facetChunk]; }

  function readState() {
    return {
      q: input.value, topic: controls.topic.value, venue: controls.venue.value, from: controls.from.value,
      to: controls.to.value, code: controls.code.checked, sort: controls.sort.value,
      kind: controls.kind ? controls.kind.value : "",
    };
  }
  var topicNumber = {}, venueNumber = {}, kindNumber = {};

  // Does a paper pass every filter but `skip` (counts for a facet ignore that facet's own choice)?
  function passes(doc, state, skip) {
    var f = facetOf(doc), year = yearOf[doc];
    if (skip !== "topic" && state.topic && f.topics.indexOf(topicNumber[state.topic]) === -1) return false;
    if (skip !== "venue" && state.venue && f.venue !== venueNumber[state.venue]) return false;
    if (skip !== "year" && state.from && year < +state.from) return false;
    if (skip !== "year" && state.to && year > +state.to) return false;
    if (skip !== "kind" && state.kind && f.kind !== kindNumber[state.kind]) return false;
    if (skip !== "code" && state.code && !f.code) return false;
    return true;
  }

  function showCounts(docs, state) {
    var topics = {}, venues = {}, years = {}, kinds = {}, code = 0;
    docs.forEach(function (doc) {
      var f = facetOf(doc);
      if (passes(doc, state, "topic")) f.topics.forEach(function (t) { topics[t] = (topics[t] || 0) + 1; });
      if (passes(doc, state, "venue") && f.venue >= 0) venues[f.venue] = (venues[f.venue] || 0) + 1;
      if (passes(doc, state, "year")) years[yearOf[doc]] = (years[yearOf[doc]] || 0) + 1;
      if (passes(doc, state, "kind")) kinds[f.kind] = (kinds[f.kind] || 0) + 1;
      if (passes(doc, state, "code") && f.code) code++;
    });
    label(controls.topic, function (value) { return topics[topicNumber[value]] || 0; });
    label(controls.venue, function (value) { return venues[venueNumber[value]] || 0; });
    label(controls.from, function (value) { return years[value] || 0; });
    label(controls.to, function (value) { return years[value] || 0; });
    if (controls.kind) label(controls.kind, function (value) { return kinds[kindNumber[value]] || 0; });
    controls.code.parentNode.querySelector("span").textContent = "Has code (" + thousands(code) + ")";
  }
  function clearCounts() {
    [controls.topic, controls.venue, controls.from, controls.to, controls.kind].forEach(function (select) {
      if (select) label(select, null);
    });
    controls.code.parentNode.querySelector("span").textContent = "Has code";
  }
  // Counts read as the build writes them: "2,356".
  function thousands(n) { return n.toLocaleString("en-US"); }

  function label(select, count) {
    Array.prototype.forEach.call(select.options, function (option) {
      if (!option.value) return;
      if (!option.hasAttribute("data-label")) option.setAttribute("data-label", option.textContent);
      var name = option.getAttribute("data-label");
      option.textContent = count ? name + " (" + thousands(count(option.value)) + ")" : name;
    });
  }

  // -- results --------------------------------------------------------------------------------------
  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function resultItem(row) {
    // row: [address, title, authors line, venue line, [[topic name, topic address], ...], kind badge]
    var item = element("li", "paper-item");
    var link = element("a", "paper-title", row[1]);
    link.href = root + row[0];
    item.appendChild(link);
    if (row[5]) {
      item.appendChild(document.createTextNode(" "));
      item.appendChild(element("span", "badge badge-kind", row[5]));
    }
    var meta = element("div", "paper-meta");
    if (row[2]) meta.appendChild(element("span", "authors", row[2]));
    meta.appendChild(element("span", "venue-year", row[3]));
    item.appendChild(meta);
    var tags = element("ul", "tags");
    tags.setAttribute("aria-label", "Topics");
    row[4].forEach(function (topic) {
      var li = element("li");
      var a = element("a", "tag tag-topic", topic[0]);
      a.href = root + topic[1];
      li.appendChild(a);
      tags.appendChild(li);
    });
    item.appendChild(tags);
    return item;
  }
  function showResults(docs, from, generation) {
    var page = docs.slice(from, from + PAGE), needed = {};
    page.forEach(function (doc) { needed[Math.floor(doc / manifest.docChunk)] = true; });
    return Promise.all(Object.keys(needed).map(function (n) { return load("d", n, chunkSrc("d", n)); })).then(function () {
      if (generation !== current) return;
      if (from === 0) list.textContent = "";
      page.forEach(function (doc) {
        var chunk = files["d:" + Math.floor(doc / manifest.docChunk)].data;
        list.appendChild(resultItem(chunk[doc % manifest.docChunk]));
      });
      shown = from + page.length;
      more.hidden = shown >= docs.length;
    });
  }

  var current = 0, shown = 0, lastResults = [];
  // The list is busy from a keystroke until the results of the latest query are drawn.
  function busy(on) {
    if (on) list.setAttribute("aria-busy", "true"); else list.removeAttribute("aria-busy");
  }
  function run() {
    var generation = ++current, state = readState(), words = queryWords(state.q);
    busy(true);
    var done = function () { if (generation === current) busy(false); };
    var filtered = state.topic || state.venue || state.from || state.to || state.code || state.kind;
    if (!words.length && !filtered) {
      list.textContent = "";
      more.hidden = true;
      clearCounts();
      status.textContent = "Type to search " + manifest.papers + " papers.";
      done();
      return Promise.resolve();
    }
    return matchQuery(words).then(function (scores) {
      var docs;
      if (scores === null) {
        docs = [];
        for (var i = 0; i < manifest.papers; i++) docs.push(i);
      } else {
        docs = Array.from(scores.keys());
      }
      return loadFacets(docs).then(function () {
        if (generation !== current) return;
        showCounts(docs, state);
        var results = docs.filter(function (doc) { return passes(doc, state, null); });
        if (state.sort === "new" || scores === null) results.sort(function (a, b) { return a - b; });
        else if (state.sort === "old") results.sort(function (a, b) { return yearOf[a] - yearOf[b] || a - b; });
        else results.sort(function (a, b) { return scores.get(b) - scores.get(a) || a - b; });
        lastResults = results;
        var n = results.length, text = n === 0 ? "No papers match." : thousands(n) + (n === 1 ? " paper." : " papers.");
        if (!n) { list.textContent = ""; more.hidden = true; status.textContent = text; return; }
        // The count changes with the list it counts, once the list is drawn.
        return showResults(results, 0, generation).then(function () {
          if (generation === current) status.textContent = text;
        });
      });
    }).catch(function (error) {
      if (generation === current) status.textContent = "The search index could not be loaded (" + error.message + ").";
    }).then(done);
  }

  // -- the address holds the query and the facets ---------------------------------------------------
  function toUrl(state) {
    var params = new URLSearchParams();
    if (state.q.trim()) params.set("q", state.q.trim());
    ["topic", "venue", "from", "to", "kind", "sort"].forEach(function (name) { if (state[name]) params.set(name, state[name]); });
    if (state.code) params.set("code", "1");
    var qs = params.toString();
    return qs ? "?" + qs : location.pathname.split("/").pop();
  }
  function remember(push) {
    var url = toUrl(readState());
    if (url === location.search || (url === location.pathname.split("/").pop() && !location.search)) return;
    try {
      if (push) history.pushState(null, "", url); else history.replaceState(null, "", url);
    } catch (e) { /* some browsers refuse history on file:// */ }
  }
  function restore() {
    var params = new URLSearchParams(location.search);
    input.value = params.get("q") || "";
    ["topic", "venue", "from", "to", "kind", "sort"].forEach(function (name) {
      if (controls[name]) controls[name].value = params.get(name) || "";
    });
    controls.code.checked = params.get("code") === "1";
  }

  load("m", "", script.getAttribute("data-manifest")).then(function (data) {
    manifest = data;
    manifest.shards.forEach(function (s) { shardFile[s[0]] = s[1]; maxKey = Math.max(maxKey, s[0].length); });
    manifest.stopWords.forEach(function (w) { stopWords[w] = true; });
    manifest.topics.forEach(function (t, i) { topicNumber[t[0]] = i; });
    manifest.venues.forEach(function (v, i) { venueNumber[v[0]] = i; });
    manifest.kinds.forEach(function (k, i) { kindNumber[k] = i; });
    yearOf = new Int16Array(manifest.papers);
    manifest.years.forEach(function (entry, i) {
      var end = i + 1 < manifest.years.length ? manifest.years[i + 1][1] : manifest.papers;
      for (var doc = entry[1]; doc < end; doc++) yearOf[doc] = entry[0];
    });
    restore();
    var timer = null, typedSince = false;
    input.addEventListener("input", function () {
      busy(true);
      clearTimeout(timer);
      timer = setTimeout(function () { remember(!typedSince); typedSince = true; run(); }, 120);
    });
    Object.keys(controls).forEach(function (name) {
      if (controls[name]) controls[name].addEventListener("change", function () { typedSince = false; remember(true); run(); });
    });
    form.addEventListener("submit", function (event) { event.preventDefault(); typedSince = false; remember(true); run(); });
    more.addEventListener("click", function () { showResults(lastResults, shown, current); });
    window.addEventListener("popstate", function () { restore(); run(); });
    run();
    if (!input.value) input.focus();
  }, function () {
    status.textContent = "The search index could not be loaded.";
  });
})();
