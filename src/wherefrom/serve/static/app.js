"use strict";
// The page: send the pasted text to /v1/check, highlight the copied spans by how restrictive
// their license is, and show a source panel for the span the user selects.
(function () {
  const $ = (id) => document.getElementById(id);
  const RESTRICTIVE = ["share-alike", "non-commercial", "no-derivatives", "unknown-terms"];
  const RANK = { common: 0, none: 1, attribution: 2, restricted: 3 };
  let auth = false;
  let report = null;
  let inputText = "";

  fetch("/healthz").then((r) => r.json()).then((h) => {
    auth = !!h.auth;
    $("key-label").hidden = !auth;
    $("api-key").value = sessionStorage.getItem("wherefrom-key") || "";
  }).catch(() => {});

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") node.className = v; else node.setAttribute(k, v);
    }
    for (const child of children) node.append(child instanceof Node ? child : String(child));
    return node;
  }

  function licenseClass(match, requiresByLicense) {
    if (!match.source) return "common";
    const requires = requiresByLicense[match.source.license] || ["unknown-terms"];
    if (requires.some((t) => RESTRICTIVE.includes(t))) return "restricted";
    return requires.length ? "attribution" : "none";
  }

  function setStatus(text, isError) {
    $("status").textContent = text;
    $("status").className = isError ? "error" : "";
  }

  function requestHeaders() {
    const headers = { "Content-Type": "application/json" };
    if (auth) {
      const key = $("api-key").value.trim();
      sessionStorage.setItem("wherefrom-key", key);
      headers.Authorization = "Bearer " + key;
    }
    return headers;
  }

  async function check(event) {
    event.preventDefault();
    const text = $("input").value;
    if (!text.trim()) { setStatus("Paste some text first.", true); return; }
    const kind = document.querySelector("input[name=kind]:checked").value;
    const headers = requestHeaders();
    inputText = text;
    $("check").disabled = true;
    setStatus("Checking…");
    try {
      const response = await fetch("/v1/check", { method: "POST", headers, body: JSON.stringify({ text, kind }) });
      const body = await response.json().catch(() => ({}));
      if (!response.ok) { setStatus(`Error ${response.status}: ${body.error || response.statusText}`, true); return; }
      report = body;
      render(text, body);
      const n = body.matches.length;
      setStatus(`${n} copied span${n === 1 ? "" : "s"} found.`);
    } catch (error) {
      setStatus("The service could not be reached: " + error, true);
    } finally {
      $("check").disabled = false;
    }
  }

  function render(text, body) {
    const requiresByLicense = {};
    for (const o of body.obligations) requiresByLicense[o.license] = o.requires;
    const matches = body.matches.map((m, i) => ({ ...m, i, cls: licenseClass(m, requiresByLicense) }));
    // Offsets are in code points (Python); JavaScript strings count UTF-16 units.
    const chars = Array.from(text);
    const cuts = new Set([0, chars.length]);
    for (const m of matches) { cuts.add(Math.min(m.input_span[0], chars.length)); cuts.add(Math.min(m.input_span[1], chars.length)); }
    const points = [...cuts].sort((a, b) => a - b);
    const out = $("highlighted");
    out.replaceChildren();
    for (let k = 0; k + 1 < points.length; k++) {
      const [a, b] = [points[k], points[k + 1]];
      const piece = chars.slice(a, b).join("");
      const covering = matches.filter((m) => m.input_span[0] <= a && m.input_span[1] >= b);
      if (!covering.length) { out.append(piece); continue; }
      covering.sort((x, y) => RANK[y.cls] - RANK[x.cls]);
      const top = covering[0];
      const names = covering.map((m) => m.source ? m.source.title || m.source.uri || m.source.uid : "common passage");
      const mark = el("mark", {
        class: `span lic-${top.cls}`, tabindex: "0", role: "button",
        "data-matches": covering.map((m) => m.i).join(","),
        "aria-label": `copied from ${names.join(", ")}: ${top.cls === "restricted" ? "restrictive license" : top.cls}`,
        title: names.join(", "),
      }, piece);
      out.append(mark);
    }
    const verdict = $("verdict");
    verdict.textContent = body.verdict;
    verdict.className = "verdict " + body.verdict;
    const pct = Math.round(body.coverage * 1000) / 10;
    $("coverage-bar").style.width = pct + "%";
    $("coverage-meter").setAttribute("aria-valuenow", String(pct));
    $("coverage-text").textContent = `${pct}% of the input copied`;
    $("panel").replaceChildren(el("p", { class: "hint" }, matches.length
      ? "Select a highlighted span (click, or Tab and Enter) to see its source."
      : "No copied span found."));
    $("result").hidden = false;
    out.__matches = matches;
  }

  function row(dl, term, value) {
    if (value === undefined || value === null || value === "") return;
    dl.append(el("dt", {}, term), el("dd", {}, value));
  }

  function showPanel(mark) {
    const matches = $("highlighted").__matches || [];
    document.querySelectorAll("mark.span.active").forEach((m) => m.classList.remove("active"));
    mark.classList.add("active");
    const ids = mark.dataset.matches.split(",").map(Number);
    const panel = $("panel");
    panel.replaceChildren();
    for (const id of ids) {
      const m = matches[id];
      const article = el("article", { class: "source" });
      const s = m.source;
      article.append(el("h2", {}, s ? (s.title || s.uri || s.uid) : "Common passage"));
      const dl = el("dl");
      if (s) {
        row(dl, "Authors", s.authors && s.authors.length ? s.authors.join(", ") : "unknown");
        if (s.uri) {
          const isLink = /^https?:\/\//.test(s.uri);
          dl.append(el("dt", {}, "URI"), el("dd", {}, isLink ? el("a", { href: s.uri, rel: "noopener noreferrer", target: "_blank" }, s.uri) : s.uri));
        }
        row(dl, "Version", s.version);
        row(dl, "License", s.license);
      }
      row(dl, "Match", m.kind);
      row(dl, "Similarity", (m.similarity * 100).toFixed(1) + "%");
      row(dl, "Tokens", m.tokens);
      row(dl, "Documents containing", m.documents_containing);
      article.append(dl);
      const holder = el("div", { class: "evidence-holder" });
      // The snippet stands until the side-by-side view replaces it: the view carries the
      // source text (within the snippet limit), so the page never shows more than the limit.
      if (m.snippet) holder.append(el("blockquote", { class: "snippet" }, m.snippet));
      article.append(holder);
      if (s && m.input_span.length === 2 && m.source_span.length === 2 && !m.approximate_source_span) {
        showEvidence(holder, m, s);
      }
      if (m.attribution) {
        const button = el("button", { type: "button", class: "small copy" }, "Copy");
        button.addEventListener("click", async () => {
          try { await navigator.clipboard.writeText(m.attribution); button.textContent = "Copied"; }
          catch (e) { button.textContent = "Select and copy"; }
        });
        article.append(el("div", { class: "attribution" }, el("code", {}, m.attribution), button));
      }
      panel.append(article);
    }
    panel.focus({ preventScroll: window.innerWidth > 700 });
  }

  // The side-by-side view of one match: the copied span against its source, aligned token by
  // token by /v1/evidence (which never sends more source text than the snippet limit).
  const OP_WORDS = { substituted: "substituted", inserted: "only in the input", deleted: "only in the source" };

  function side(pieces, which) {
    const pre = el("pre");
    for (const p of pieces) {
      const text = p[which];
      if (!text) continue;
      if (p.op === "same") { pre.append(text); continue; }
      const tag = p.op === "inserted" ? "ins" : p.op === "deleted" ? "del" : "mark";
      pre.append(el(tag, { class: "ev-" + p.op, title: OP_WORDS[p.op] }, text));
    }
    return pre;
  }

  async function showEvidence(holder, m, s) {
    const copied = Array.from(inputText).slice(m.input_span[0], m.input_span[1]).join("");
    let body;
    try {
      const response = await fetch("/v1/evidence", {
        method: "POST", headers: requestHeaders(),
        body: JSON.stringify({ uid: s.uid, source_span: m.source_span, input: copied,
          kind: report && report.input.kind === "code" ? "code" : "text", renamed: m.kind === "renamed" }),
      });
      body = await response.json();
      if (!response.ok) return;  // the snippet stays (a hash-only index keeps no text to align)
    } catch (error) { return; }
    const counts = { substituted: 0, inserted: 0, deleted: 0 };
    for (const p of body.pieces) if (p.op in counts) counts[p.op] += 1;
    const summary = Object.entries(counts).filter(([, n]) => n).map(([op, n]) => `${n} ${op}`).join(", ");
    const source = side(body.pieces, "source");
    source.prepend(el("span", { class: "ev-context" }, body.before));
    source.append(el("span", { class: "ev-context" }, body.after));
    const figure = el("figure", { class: "evidence", tabindex: "0", "aria-label": "evidence side by side" },
      el("figcaption", {}, "Side by side: " + (summary || "identical up to case, spacing and punctuation") + "."),
      el("div", { class: "ev-pair" },
        el("div", { class: "ev-side" }, el("h3", {}, "Input"), side(body.pieces, "input")),
        el("div", { class: "ev-side" }, el("h3", {}, s.title || s.uri || "Source"), source)));
    if (body.renamings.length) {
      const rows = body.renamings.map((r) => el("tr", {}, el("td", {}, el("code", {}, r.source)),
        el("td", { "aria-hidden": "true" }, "→"), el("td", {}, el("code", {}, r.input)), el("td", {}, String(r.count))));
      figure.append(el("table", { class: "ev-renamings" }, el("caption", {}, "Renamed names (source → input)"),
        el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "source"), el("th", {}, ""),
          el("th", { scope: "col" }, "input"), el("th", { scope: "col" }, "times"))),
        el("tbody", {}, ...rows)));
    }
    if (body.truncated) figure.append(el("p", { class: "hint" }, `The source is shown up to the ${body.limit}-character snippet limit.`));
    holder.replaceChildren(figure);
  }

  $("highlighted").addEventListener("click", (e) => {
    const mark = e.target.closest("mark.span");
    if (mark) showPanel(mark);
  });
  $("highlighted").addEventListener("keydown", (e) => {
    const mark = e.target.closest("mark.span");
    if (mark && (e.key === "Enter" || e.key === " ")) { e.preventDefault(); showPanel(mark); }
  });
  $("highlighted").addEventListener("mouseover", (e) => {
    const mark = e.target.closest("mark.span");
    if (mark && !mark.classList.contains("active") && window.matchMedia("(hover: hover)").matches) showPanel(mark);
  });
  $("check-form").addEventListener("submit", check);

  // A picture or a melody: uploaded to /v1/evidence, which checks it and sends back the
  // side-by-side figures (the two pictures with their boxes and difference; piano rolls).
  const MEDIA = /\.(png|jpe?g|webp|gif|tiff?|bmp|svg|mid|midi|abc|krn|musicxml|mxl|xml|wav|mp3|flac|ogg)$/i;

  async function checkMedia(file) {
    const form = new FormData();
    form.append("file", file, file.name);
    const headers = requestHeaders();
    delete headers["Content-Type"];  // the browser sets the multipart boundary
    setStatus(`Checking ${file.name}…`);
    let body;
    try {
      const response = await fetch("/v1/evidence", { method: "POST", headers, body: form });
      body = await response.json().catch(() => ({}));
      if (!response.ok) { setStatus(`Error ${response.status}: ${body.error || response.statusText}`, true); return; }
    } catch (error) { setStatus("The service could not be reached: " + error, true); return; }
    report = body.report;
    inputText = "";
    render("", report);
    $("highlighted").replaceChildren(`${file.name} (${report.input.kind})`);
    const panel = $("panel");
    panel.replaceChildren();
    report.matches.forEach((m, i) => {
      const s = m.source;
      const article = el("article", { class: "source" }, el("h2", {}, s ? (s.title || s.uri || s.uid) : "Common passage"));
      const dl = el("dl");
      if (s) { row(dl, "License", s.license); row(dl, "URI", s.uri); }
      row(dl, "Match", m.kind);
      row(dl, "Similarity", (m.similarity * 100).toFixed(1) + "%");
      article.append(dl);
      const html = body.figures[String(i + 1)];
      if (html) {
        const parsed = new DOMParser().parseFromString(html, "text/html");
        for (const figure of parsed.body.querySelectorAll("figure")) {
          figure.classList.add("media");
          figure.setAttribute("tabindex", "0");
          article.append(document.importNode(figure, true));
        }
      }
      if (m.attribution) article.append(el("div", { class: "attribution" }, el("code", {}, m.attribution)));
      panel.append(article);
    });
    const n = report.matches.length;
    setStatus(`${n} match${n === 1 ? "" : "es"} found in ${file.name}.`);
  }

  $("file").addEventListener("change", (e) => {
    const file = e.target.files && e.target.files[0];
    if (!file) return;
    if (MEDIA.test(file.name)) { checkMedia(file); return; }
    file.text().then((t) => { $("input").value = t; setStatus(`Loaded ${file.name}; press Check.`); });
  });

  const input = $("input");
  input.addEventListener("dragover", (e) => { e.preventDefault(); input.classList.add("drop"); });
  input.addEventListener("dragleave", () => input.classList.remove("drop"));
  input.addEventListener("drop", (e) => {
    e.preventDefault();
    input.classList.remove("drop");
    const file = e.dataTransfer.files && e.dataTransfer.files[0];
    if (!file) return;
    file.text().then((t) => { input.value = t; setStatus(`Loaded ${file.name}.`); });
  });
})();
