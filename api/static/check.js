/* The citation checker page: sends the text or file to POST /api/check and shows the report. */
(function () {
  "use strict";
  var LABELS = { ok: "OK", mismatch: "Mismatch", not_found: "Not found", superseded: "Superseded", not_held: "Not held", unrecognised: "Unrecognised" };
  var form = document.getElementById("check-form");
  var textArea = document.getElementById("policy-text");
  var fileInput = document.getElementById("policy-file");
  var button = document.getElementById("check-button");
  var statusLine = document.getElementById("status");
  var errorBox = document.getElementById("error-summary");
  var results = document.getElementById("results");
  var last = null;

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (c) { node.append(c); });
    return node;
  }

  function showError(message, field) {
    document.getElementById("error-text").textContent = message;
    errorBox.hidden = false;
    [textArea, fileInput].forEach(function (f) { f.parentNode.classList.toggle("field-error", f === field); });
    errorBox.focus();
  }

  function where(s) {
    if (!s) return "";
    return s.paragraph ? s.doc_id + " paragraph " + s.paragraph : s.doc_id;
  }

  function suggestionLink(s) {
    var href = "/documents/" + encodeURIComponent(s.doc_id) + (s.paragraph ? "#para-" + encodeURIComponent(s.paragraph) : "");
    var label = (s.paragraph ? "Paragraph " + s.paragraph + " of " : "") + "the " + (s.edition || s.doc_id) + " edition";
    return el("a", { href: href }, [label]);
  }

  function card(ref, i) {
    var li = el("li", { id: "ref-" + i, class: "ref-card status-" + ref.status + "-card", tabindex: "-1" });
    li.append(el("h4", {}, [el("span", { class: "status-tag status-" + ref.status }, [LABELS[ref.status] || ref.status]),
      (i + 1) + ". " + ref.text]));
    li.append(el("p", {}, [ref.message]));
    if (ref.quote) li.append(el("p", {}, ["Your quotation:"]), el("blockquote", {}, [ref.quote]));
    if (ref.suggestion) li.append(el("p", {}, ["Suggested reference: ", suggestionLink(ref.suggestion)]));
    li.append(el("p", {}, [el("a", { href: "#mark-" + i }, ["Show in the policy"])]));
    return li;
  }

  function markedDocument(text, refs) {
    // Offsets count Unicode code points (as Python does), so slice an array of code points.
    var chars = Array.from(text), box = document.getElementById("document"), pos = 0;
    box.textContent = "";
    refs.forEach(function (ref, i) {
      if (ref.start < pos) return;
      box.append(chars.slice(pos, ref.start).join(""));
      var mark = el("a", { id: "mark-" + i, href: "#ref-" + i, class: "ref-mark status-" + ref.status + "-mark" },
        [chars.slice(ref.start, ref.end).join(""), el("sup", {}, [" [" + (i + 1) + ": " + (LABELS[ref.status] || ref.status) + "]"])]);
      box.append(mark);
      pos = ref.end;
    });
    box.append(chars.slice(pos).join(""));
  }

  function render(data, text) {
    // A successful check clears any earlier error and its red field border.
    errorBox.hidden = true;
    [textArea, fileInput].forEach(function (f) { f.parentNode.classList.remove("field-error"); });
    var refs = data.references, list = document.getElementById("reference-list");
    list.textContent = "";
    refs.forEach(function (ref, i) { list.append(card(ref, i)); });
    var counts = {};
    refs.forEach(function (r) { counts[r.status] = (counts[r.status] || 0) + 1; });
    var parts = Object.keys(counts).map(function (s) { return counts[s] + " " + (LABELS[s] || s).toLowerCase(); });
    var summary = refs.length ? refs.length + " reference" + (refs.length === 1 ? "" : "s") + " found: " + parts.join(", ") + "."
      : "No references to Working Together were found.";
    document.getElementById("summary").textContent = summary;
    markedDocument(text, refs);
    results.hidden = false;
    statusLine.textContent = summary;
    last = refs;
  }

  function download(name, type, body) {
    var url = URL.createObjectURL(new Blob([body], { type: type }));
    var a = el("a", { href: url, download: name });
    document.body.append(a); a.click(); a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
  }

  function csvCell(v) { v = String(v == null ? "" : v); return /[",\n]/.test(v) ? '"' + v.replace(/"/g, '""') + '"' : v; }
  function mdCell(v) { return String(v == null ? "" : v).replace(/\|/g, "\\|").replace(/\n/g, " "); }

  document.getElementById("download-csv").addEventListener("click", function () {
    if (!last) return;
    var rows = [["status", "reference", "start", "end", "document", "paragraph", "suggestion", "message"]];
    last.forEach(function (r) { rows.push([r.status, r.text, r.start, r.end, r.doc_id, r.paragraph, where(r.suggestion), r.message]); });
    download("citation-check.csv", "text/csv", rows.map(function (r) { return r.map(csvCell).join(","); }).join("\n") + "\n");
  });
  document.getElementById("download-md").addEventListener("click", function () {
    if (!last) return;
    var lines = ["# Citation check", "", document.getElementById("summary").textContent, "",
      "| # | Status | Reference | Suggestion | Message |", "|---|---|---|---|---|"];
    last.forEach(function (r, i) { lines.push("| " + (i + 1) + " | " + r.status + " | " + mdCell(r.text) + " | " + mdCell(where(r.suggestion)) + " | " + mdCell(r.message) + " |"); });
    download("citation-check.md", "text/markdown", lines.join("\n") + "\n");
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    errorBox.hidden = true;
    var file = fileInput.files && fileInput.files[0], text = textArea.value, init;
    if (!file && !text.trim()) { showError("Paste the policy text or choose a file to upload", textArea); return; }
    if (file) {
      var body = new FormData(); body.append("file", file);
      init = { method: "POST", body: body };
    } else {
      init = { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ text: text }) };
    }
    button.disabled = true;
    statusLine.textContent = "Checking references…";
    fetch("/api/check", init).then(function (r) {
      return r.json().catch(function () { return { detail: "The server sent an unexpected reply (" + r.status + ")" }; })
        .then(function (data) { return { ok: r.ok, data: data }; });
    }).then(function (res) {
      if (!res.ok) { showError(res.data.detail || "The check failed", file ? fileInput : textArea); statusLine.textContent = ""; return; }
      render(res.data, file ? res.data.text || "" : text);
      document.getElementById("results-heading").focus();
    }).catch(function () {
      showError("Could not reach the server. Check your connection and try again", null);
    }).then(function () { button.disabled = false; });
  });
  document.getElementById("results-heading").setAttribute("tabindex", "-1");
})();
