/* Trainer quiz page: make questions, review each beside its source paragraph, edit, accept or
 * reject, export the accepted ones. Plain JS, no build step; talks to /api/quiz and /api/quiz/export. */
(function () {
  "use strict";
  var TYPE_NAMES = { mcq: "Multiple choice", true_false: "True or false", cloze: "Fill in the gap" };
  var items = [];
  var decisions = {};
  var topic = "";
  var $ = function (id) { return document.getElementById(id); };

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (k === "class") node.className = attrs[k];
      else if (attrs[k] !== false && attrs[k] != null) node.setAttribute(k, attrs[k] === true ? "" : attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return node;
  }

  // ---- errors, GOV.UK pattern: summary at the top linking to each field ------------------
  function clearErrors() {
    $("error-summary").hidden = true;
    $("error-list").textContent = "";
    ["topic", "count", "types"].forEach(function (f) {
      $(f + "-field").classList.remove("field-error");
      $(f + "-error").hidden = true;
    });
  }
  function showErrors(list) {
    $("error-list").textContent = "";
    list.forEach(function (e) {
      var target = e.field ? (e.field === "types" ? document.querySelector("input[name=types]") : $(e.field)) : null;
      var link = el("a", { href: target ? "#" + (target.id || e.field) : "#quiz-form", text: e.message });
      if (target) link.addEventListener("click", function (ev) { ev.preventDefault(); target.focus(); });
      $("error-list").appendChild(el("li", {}, [link]));
      if (e.field) {
        $(e.field + "-field").classList.add("field-error");
        var msg = $(e.field + "-error");
        msg.textContent = "Error: " + e.message;
        msg.hidden = false;
      }
    });
    $("error-summary").hidden = false;
    $("error-summary").focus();
  }
  function fieldOf(detail) {
    var m = /^(topic|count|types)\b/.exec(detail || "");
    if (m) return m[1];
    return /\bthe topic '/.test(detail || "") ? "topic" : null;
  }

  // ---- the form ------------------------------------------------------------------------
  function request() {
    var types = Array.prototype.map.call(document.querySelectorAll("input[name=types]:checked"), function (c) { return c.value; });
    var body = { topic: $("topic").value.trim(), count: Number($("count").value), types: types,
                 difficulty: $("difficulty").value, seed: Number($("seed").value || 0) };
    if ($("edition").value) body.edition = $("edition").value;
    if ($("chapter").value.trim()) body.chapter = $("chapter").value.trim();
    return body;
  }
  function validate(body) {
    var errors = [];
    if (!body.topic) errors.push({ field: "topic", message: "Enter a topic" });
    if (!Number.isInteger(body.count) || body.count < 1 || body.count > 100)
      errors.push({ field: "count", message: "Number of questions must be a whole number between 1 and 100" });
    if (!body.types.length) errors.push({ field: "types", message: "Choose at least one type of question" });
    return errors;
  }

  function generate(ev) {
    ev.preventDefault();
    clearErrors();
    var body = request();
    var errors = validate(body);
    if (errors.length) return showErrors(errors);
    $("generate").disabled = true;
    $("status").textContent = "Making questions…";
    fetch("/api/quiz", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) })
      .then(function (r) { return r.json().then(function (data) { return { ok: r.ok, data: data }; }); })
      .then(function (res) {
        if (!res.ok) {
          $("status").textContent = "";
          return showErrors([{ field: fieldOf(res.data.detail), message: res.data.detail || "Something went wrong" }]);
        }
        topic = body.topic;
        render(res.data);
      })
      .catch(function () {
        $("status").textContent = "";
        showErrors([{ field: null, message: "The service could not be reached. Try again." }]);
      })
      .then(function () { $("generate").disabled = false; });
  }

  // ---- results -------------------------------------------------------------------------
  function render(data) {
    items = data.items;
    decisions = {};
    $("notices").textContent = "";
    (data.notices || []).forEach(function (n) { $("notices").appendChild(el("div", { class: "warning", role: "note", text: n })); });
    renderChecks(data.checks);
    $("items").textContent = "";
    items.forEach(function (item, i) { $("items").appendChild(renderItem(item, i)); });
    $("results").hidden = false;
    updateCount();
    $("status").textContent = items.length + " questions made. " + (data.checks.all_passed ? "Every check passed." : "Some checks did not pass: see what was checked.");
    $("results-title").setAttribute("tabindex", "-1");
    $("results-title").focus();
  }

  function renderChecks(checks) {
    var body = $("checks-body");
    body.textContent = "";
    var names = {
      answer_supported: "Answer supported by its cited paragraph",
      distractors_false: "No wrong option is also true in the guidance",
      unique: "No duplicate questions",
      answer_positions: "Correct answers spread evenly over positions",
      answer_not_longest: "Correct answer not usually the longest option",
      true_false_balance: "True and false answers balanced",
      superseded: "Questions from a replaced edition (flagged)"
    };
    Object.keys(names).forEach(function (k) {
      var c = checks[k];
      if (!c) return;
      var result;
      if (k === "superseded") result = c.flagged + " of " + c.checked + " flagged";
      else if (typeof c.passed === "number") result = c.passed + " of " + c.checked + " passed";
      else if (k === "answer_positions") result = (c.passed ? "Passed" : "Failed") + " (" + c.counts.join(", ") + " by position)";
      else if (k === "true_false_balance") result = (c.passed ? "Passed" : "Failed") + " (" + c["true"] + " true, " + c["false"] + " false)";
      else result = (c.passed ? "Passed" : "Failed") + " (" + c.answer_longest + " of " + c.checked + ")";
      body.appendChild(el("tr", {}, [el("td", { text: names[k] }), el("td", { text: result })]));
    });
  }

  function input(id, label, value, onInput) {
    var field = el("input", { type: "text", id: id, value: value });
    field.addEventListener("input", function () { onInput(field.value); });
    return [el("label", { for: id, text: label }), field];
  }

  function editor(item, i) {
    var p = "item" + i;
    var q = el("textarea", { id: p + "-q", rows: "4" });
    q.value = item.question;
    q.addEventListener("input", function () { item.question = q.value; });
    var parts = [el("div", { class: "field" }, [el("label", { for: p + "-q", text: "Question" }), q])];
    if (item.type === "mcq") {
      var group = el("fieldset", { class: "field" }, [el("legend", { text: "Options (select the correct one)" })]);
      item.options.forEach(function (opt, j) {
        var radio = el("input", { type: "radio", name: p + "-key", id: p + "-key" + j, checked: j === item.answer });
        radio.setAttribute("aria-label", "Option " + (j + 1) + " is correct");
        radio.addEventListener("change", function () { item.answer = j; });
        var text = el("input", { type: "text", id: p + "-opt" + j, value: opt, "aria-label": "Option " + (j + 1) });
        text.addEventListener("input", function () { item.options[j] = text.value; });
        group.appendChild(el("div", { class: "option-row" }, [radio, text]));
      });
      parts.push(group);
    } else if (item.type === "true_false") {
      var tf = el("fieldset", { class: "field radios" }, [el("legend", { text: "Correct answer" })]);
      [true, false].forEach(function (v) {
        var r = el("input", { type: "radio", name: p + "-tf", checked: item.answer === v });
        r.addEventListener("change", function () { item.answer = v; });
        tf.appendChild(el("label", {}, [r, v ? "True" : "False"]));
      });
      parts.push(tf);
    } else {
      parts.push(el("div", { class: "field" }, input(p + "-ans", "Missing words", item.answer, function (v) {
        item.answer = v;
        item.accept = [v].concat((item.accept || []).slice(1));
      })));
    }
    parts.push(el("p", { class: "small" }, [el("strong", { text: "Explanation: " }), item.explanation]));
    return parts;
  }

  function source(item) {
    var c = item.citation;
    var quote = el("blockquote", {});
    var sentence = item.source && item.source.sentence;
    // The quoted sentence drops footnote markers, so find it in the paragraph as read, not as stored.
    var clean = c.text.replace(/\[\^\d+\]/g, "").replace(/\s+/g, " ");
    var at = sentence ? clean.indexOf(sentence) : -1;
    if (at >= 0) {
      quote.appendChild(document.createTextNode(clean.slice(0, at)));
      quote.appendChild(el("mark", { text: sentence }));
      quote.appendChild(document.createTextNode(clean.slice(at + sentence.length)));
    } else quote.textContent = clean;
    var tags = [el("span", { class: "tag", text: c.edition || "commentary" })];
    if ((item.flags || []).indexOf("superseded") >= 0)
      tags.push(" ", el("span", { class: "tag tag-old", text: "Replaced" + (c.replaced_by ? " by " + c.replaced_by : "") }));
    return el("div", { class: "source" }, [
      el("h4", { class: "para-label", text: "Source paragraph" }),
      el("p", {}, tags),
      quote,
      el("p", {}, [el("a", { href: c.url, target: "_blank", rel: "noopener", text: (c.reference || c.doc_title) + " (opens in new tab)" })])
    ]);
  }

  function renderItem(item, i) {
    var li = el("li", { class: "item", id: "item-" + i });
    var heading = el("h3", { id: "item-" + i + "-title", text: "Question " + (i + 1) + ": " + TYPE_NAMES[item.type] });
    var decision = el("fieldset", { class: "decision" }, [el("legend", { text: "Use this question?" })]);
    [["accept", "Accept"], ["reject", "Reject"]].forEach(function (d) {
      var r = el("input", { type: "radio", name: "decide-" + i, value: d[0] });
      r.addEventListener("change", function () {
        decisions[item.id] = d[0];
        li.classList.toggle("is-accepted", d[0] === "accept");
        li.classList.toggle("is-rejected", d[0] === "reject");
        updateCount();
      });
      decision.appendChild(el("label", {}, [r, " " + d[1]]));
    });
    li.setAttribute("aria-labelledby", heading.id);
    li.appendChild(heading);
    li.appendChild(el("div", {}, editor(item, i).concat([decision])));
    li.appendChild(source(item));
    return li;
  }

  // Accept every question at once (each can still be rejected after).
  function acceptAll() {
    Array.prototype.forEach.call(document.querySelectorAll("#items input[type=radio][value=accept]"), function (r) {
      if (!r.checked) { r.checked = true; r.dispatchEvent(new Event("change")); }
    });
    $("status").textContent = "Accepted all " + items.length + " questions.";
  }

  function accepted() { return items.filter(function (it) { return decisions[it.id] === "accept"; }); }
  function updateCount() {
    var n = accepted().length;
    $("accepted-count").textContent = n + (n === 1 ? " question" : " questions") + " accepted of " + items.length;
  }

  // ---- export --------------------------------------------------------------------------
  function exportAccepted() {
    clearErrors();
    var chosen = accepted();
    // The outcome is said next to the button that caused it, not at the top of the page.
    if (!chosen.length) { $("export-status").textContent = "Accept at least one question to export."; return; }
    var fmt = $("format").value;
    $("export").disabled = true;
    fetch("/api/quiz/export", { method: "POST", headers: { "Content-Type": "application/json" },
                                body: JSON.stringify({ format: fmt, items: chosen, topic: topic }) })
      .then(function (r) {
        if (!r.ok) return r.json().then(function (d) { throw new Error(d.detail || "Export failed"); });
        var name = /filename="([^"]+)"/.exec(r.headers.get("Content-Disposition") || "");
        return r.blob().then(function (b) { return { blob: b, name: name ? name[1] : "wtguide-quiz" }; });
      })
      .then(function (file) {
        var a = el("a", { href: URL.createObjectURL(file.blob), download: file.name });
        document.body.appendChild(a);
        a.click();
        a.remove();
        $("export-status").textContent = "Exported " + chosen.length + " questions as " + file.name + ".";
      })
      .catch(function (e) { $("export-status").textContent = "Export failed: " + e.message; })
      .then(function () { $("export").disabled = false; });
  }

  function loadEditions() {
    fetch("/api/documents").then(function (r) { return r.ok ? r.json() : []; }).then(function (docs) {
      docs.filter(function (d) { return d.kind === "statutory" && d.edition; })
        .sort(function (a, b) { return b.edition.localeCompare(a.edition); })
        .forEach(function (d) { $("edition").appendChild(el("option", { value: d.edition, text: d.title })); });
    }).catch(function () {});
  }

  $("quiz-form").addEventListener("submit", generate);
  $("export").addEventListener("click", exportAccepted);
  $("accept-all").addEventListener("click", acceptAll);
  loadEditions();
})();
