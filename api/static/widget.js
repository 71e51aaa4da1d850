/* wtguide chat box. Embed on any page with:
 *   <script src="https://HOST/widget.js" data-api="https://HOST"></script>
 * Options: data-api (base URL of the service; default: where this script came from),
 * data-mount (CSS selector of an element to render into; default: a floating button and panel),
 * data-publishable-key (when the service requires API keys: the key the operator gave this site's
 * origin, which works from this origin only, to ask and send feedback), data-api-key (a full API
 * key: only on a private page, since anyone can read it from the page). Plain JS, no build step,
 * no dependencies. */
(function () {
  "use strict";
  var script = document.currentScript;
  var api = ((script && script.dataset.api) || (script ? new URL(script.src, location.href).origin : "")).replace(/\/$/, "");
  var apiKey = script && script.dataset.apiKey;
  var publishableKey = script && script.dataset.publishableKey;
  var mountSel = script && script.dataset.mount;
  var MAX_TURNS = 20, MAX_TURN_CHARS = 4000;
  var history = [];
  var seenNotes = {};  // source notes already shown in this conversation
  var turnCount = 0;
  var uid = "wtg" + Math.random().toString(36).slice(2, 8);

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (k === "class") node.className = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return node;
  }
  // "[^6]" in a passage is footnote 6: shown as a superscript, not as raw marks.
  function withFootnotes(text) {
    return text.split(/\[\^(\d{1,3})\]/).map(function (part, i) {
      return i % 2 ? el("sup", { text: part, "aria-label": "footnote " + part }) : part;
    });
  }
  // A passage as the index holds it: paragraphs, list items as a list, footnotes ("[^6] ...") as a
  // separate notes list, each numbered once.
  function passage(text) {
    var out = [], list = null, notes = null;
    (text || "").split(/\n+/).forEach(function (line) {
      var note = /^\[\^(\d{1,3})\]\s*(.*)$/.exec(line), item = /^\s*(?:[\u2022\u25aa\u2013-]|\([a-z0-9]{1,3}\))\s+(.*)$/.exec(line);
      if (note) {
        if (!notes) { notes = el("ul", { class: "wtg-footnotes", "aria-label": "Footnotes" }); }
        notes.appendChild(el("li", {}, [el("sup", { text: note[1] }), " " + note[2]]));
        list = null;
      } else if (item) {
        if (!list) { list = el("ul", { class: "wtg-list" }); out.push(list); }
        list.appendChild(el("li", {}, withFootnotes(item[1])));
      } else if (line.trim()) {
        list = null;
        out.push(el("p", {}, withFootnotes(line)));
      }
    });
    if (notes) out.push(notes);
    return out;
  }
  function abs(url) { return /^https?:/.test(url) ? url : api + url; }
  function headers() {
    var h = { "Content-Type": "application/json" };
    if (apiKey) h["X-API-Key"] = apiKey;
    else if (publishableKey) h["X-Publishable-Key"] = publishableKey;
    return h;
  }
  function shortEdition(title) { var m = /((?:19|20)\d\d)\s*$/.exec(title || ""); return m ? m[1] : title; }

  if (!document.querySelector('link[data-wtg-css]') && !document.querySelector('link[href$="/static/widget.css"]')) {
    document.head.appendChild(el("link", { rel: "stylesheet", href: api + "/static/widget.css", "data-wtg-css": "" }));
  }

  // ---- the chat box -----------------------------------------------------------------
  var qid = uid + "-q", hintId = uid + "-hint", errId = uid + "-err";
  var root = el("section", { class: "wtg", "aria-labelledby": uid + "-title" });
  var title = el("h2", { class: "wtg-title", id: uid + "-title", text: "Ask about Working Together to Safeguard Children" });
  var summary = el("div", { class: "wtg-error-summary", role: "alert", tabindex: "-1", hidden: "" });
  var log = el("div", { class: "wtg-log", "aria-live": "polite", "aria-label": "Conversation" });
  var status = el("p", { class: "wtg-status", role: "status" });
  var textarea = el("textarea", { id: qid, name: "question", maxlength: "2000", rows: "3", "aria-describedby": hintId });
  var errMsg = el("p", { class: "wtg-error-msg", id: errId, hidden: "" });
  var askBtn = el("button", { type: "submit", class: "wtg-primary", text: "Ask" });
  var newBtn = el("button", { type: "button", text: "New conversation" });
  var field = el("div", {}, [
    el("label", { for: qid, text: "Your question" }),
    el("p", { class: "wtg-hint", id: hintId }, [
      el("span", { class: "wtg-example", text: "For example: who are the safeguarding partners? Press Enter to ask, Shift and Enter for a new line. " }),
      // Said before anything is typed (issue 15): the details are removed after, but are best never sent.
      el("strong", { text: "Do not type names, dates of birth, addresses or other details that identify a child or family." }),
    ]),
    errMsg, textarea,
  ]);
  // Once there is a conversation the box stays at the foot of the screen (wtg-talking), so a
  // follow-up never means scrolling past the sources of the last answer.
  var form = el("form", { class: "wtg-form", novalidate: "" }, [field, el("div", { class: "wtg-buttons" }, [askBtn, newBtn])]);
  // Always on show, however small the box: the one thing someone in an emergency must read.
  var emergency = el("p", { class: "wtg-emergency" }, [
    el("strong", {}, ["If a child is in immediate danger, call ", el("a", { href: "tel:999", text: "999" }), "."]),
    " This assistant explains the guidance; it cannot send help.",
  ]);
  // A turn scrolled to the top of the box; in the floating panel, below its sticky "call 999" line,
  // which would otherwise cover the question and the answer's first line.
  function reveal(node) {
    node.scrollIntoView({ block: "start" });
    var panel = root.parentNode;
    if (!panel || !panel.classList || !panel.classList.contains("wtg-panel")) return;
    var over = emergency.getBoundingClientRect().bottom - node.getBoundingClientRect().top;
    if (over > 0) panel.scrollTop -= over;
  }
  root.appendChild(title);
  root.appendChild(emergency);
  root.appendChild(summary);
  root.appendChild(log);
  root.appendChild(status);
  root.appendChild(form);

  // A mistake in the box is shown next to the box, focus staying there; a service error (nothing
  // the person typed) gets the summary above the conversation.
  function showError(message, fieldError) {
    if (fieldError) {
      errMsg.textContent = "Error: " + message;
      errMsg.hidden = false;
      field.className = "wtg-field-error";
      textarea.setAttribute("aria-describedby", hintId + " " + errId);
      textarea.focus();
      return;
    }
    summary.innerHTML = "";
    var link = el("a", { href: "#" + qid, text: message });
    link.addEventListener("click", function (e) { e.preventDefault(); textarea.focus(); });
    summary.appendChild(el("h2", { text: "There is a problem" }));
    summary.appendChild(el("ul", {}, [el("li", {}, [link])]));
    summary.hidden = false;
    summary.focus();
  }
  function clearError() {
    summary.hidden = true;
    errMsg.hidden = true;
    field.className = "";
    textarea.setAttribute("aria-describedby", hintId);
  }

  function sendFeedback(body, buttons, pressed) {
    buttons.forEach(function (b) { b.setAttribute("aria-pressed", String(b === pressed)); });
    fetch(api + "/api/feedback", { method: "POST", headers: headers(), body: JSON.stringify(body) })
      .then(function (r) { status.textContent = r.ok ? "Thank you for your feedback." : "Your feedback could not be saved."; })
      .catch(function () { status.textContent = "Your feedback could not be saved."; });
  }
  // A thumb drawn as inline SVG (no emoji font needed), beside its text label.
  var THUMB = "M2 21h4V9H2v12zm20-11a2 2 0 0 0-2-2h-6.3l1-4.6v-.3c0-.4-.2-.8-.4-1.1L13.2 1 6.6 7.6C6.2 8 6 8.5 6 9v10a2 2 0 0 0 2 2h9c.8 0 1.5-.5 1.8-1.2l3-7.1c.1-.2.2-.5.2-.7v-2z";
  function icon(down) {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24"); svg.setAttribute("width", "18"); svg.setAttribute("height", "18");
    svg.setAttribute("aria-hidden", "true"); svg.setAttribute("focusable", "false"); svg.setAttribute("class", "wtg-icon");
    if (down) svg.setAttribute("transform", "rotate(180)");
    var path = document.createElementNS(ns, "path");
    path.setAttribute("d", THUMB); path.setAttribute("fill", "currentColor");
    svg.appendChild(path);
    return svg;
  }
  function thumbs(label, body) {
    var up = el("button", { type: "button", "aria-pressed": "false" }, [icon(false), " ", el("span", { class: "wtg-vh", text: label + ": " }), "Helpful"]);
    var down = el("button", { type: "button", "aria-pressed": "false" }, [icon(true), " ", el("span", { class: "wtg-vh", text: label + ": " }), "Not helpful"]);
    up.addEventListener("click", function () { sendFeedback(Object.assign({ rating: "up" }, body), [up, down], up); });
    down.addEventListener("click", function () { sendFeedback(Object.assign({ rating: "down" }, body), [up, down], down); });
    return [up, down];
  }

  function copy(text, button) {
    var done = function () { button.textContent = "Copied"; setTimeout(function () { button.textContent = "Copy reference"; }, 2000); };
    if (navigator.clipboard && window.isSecureContext) { navigator.clipboard.writeText(text).then(done, done); return; }
    var t = el("textarea", { class: "wtg-vh", "aria-hidden": "true" });
    t.value = text; document.body.appendChild(t); t.select();
    try { document.execCommand("copy"); } catch (e) { /* the reference stays visible on the card */ }
    t.remove(); done();
  }

  function card(c, turn, question) {
    var where = c.paragraph && /^\d/.test(c.paragraph) ? "Paragraph " + c.paragraph : (c.heading || "Section");
    var edition = c.edition ? c.edition + (c.replaced_by ? " \u2014 replaced by " + shortEdition(c.replaced_by) : "") : null;
    var tags = el("p", { class: "wtg-meta" }, [
      edition ? el("strong", { class: "wtg-tag" + (c.replaced_by ? " wtg-tag-old" : ""), text: edition }) : null,
      edition && c.kind !== "statutory" ? " " : null,  // read as two words, not "2023Commentary"
      c.kind === "commentary" ? el("strong", { class: "wtg-tag wtg-tag-commentary", text: "Commentary" })
        : c.kind === "local" ? el("strong", { class: "wtg-tag wtg-tag-commentary", text: "Local procedure" }) : null,
    ]);
    var copyBtn = el("button", { type: "button", text: "Copy reference" });
    copyBtn.addEventListener("click", function () { copy(c.reference, copyBtn); });
    // In a new tab, so the conversation is still there when the person comes back to it.
    var open = el("a", { href: abs(c.url), target: "_blank", rel: "noopener" }, ["Open paragraph",
      el("span", { class: "wtg-vh", text: " " + c.reference + " (opens in a new tab)" })]);
    var fb = thumbs("Source " + c.id, { target: "citation", question: question, doc_id: c.doc_id, paragraph: c.paragraph, citation_id: c.id });
    return el("li", { class: "wtg-card", id: uid + "-c" + turn + "-" + c.id, tabindex: "-1" }, [
      el("p", { class: "wtg-card-title" }, ["[" + c.id + "] ", c.doc_title]),
      tags,
      el("p", { class: "wtg-meta", text: where + (c.page ? (c.page_end && c.page_end !== c.page ? ", pages " + c.page + "\u2013" + c.page_end : ", page " + c.page) : "") + (c.heading && where !== c.heading ? " \u2014 " + c.heading : "") }),
      el("blockquote", {}, passage(c.text)),
      el("p", { class: "wtg-vh", text: "Reference: " + c.reference }),
      el("div", { class: "wtg-actions" }, [copyBtn, open].concat(fb)),
    ]);
  }

  // The answer text with each [n] turned into a link to citation card n.
  function linkedAnswer(text, turn, ids) {
    var p = el("p", { class: "wtg-answer" });
    var last = 0, re = /\[(\d+)\]/g, m;
    function add(part) { withLinks(part).forEach(function (x) { p.appendChild(typeof x === "string" ? document.createTextNode(x) : x); }); }
    while ((m = re.exec(text))) {
      add(text.slice(last, m.index));
      if (ids[m[1]]) {
        var a = el("a", { class: "wtg-marker", href: "#" + uid + "-c" + turn + "-" + m[1], "aria-label": "source " + m[1], text: "[" + m[1] + "]" });
        a.addEventListener("click", function (e) {
          var target = document.getElementById(this.getAttribute("href").slice(1));
          if (!target) return;
          e.preventDefault();
          document.querySelectorAll(".wtg-card.wtg-focus").forEach(function (n) { n.classList.remove("wtg-focus"); });
          target.classList.add("wtg-focus");
          target.scrollIntoView({ block: "nearest" });
          target.focus({ preventScroll: true });
        });
        p.appendChild(a);
      } else p.appendChild(document.createTextNode(m[0]));
      last = re.lastIndex;
    }
    add(text.slice(last));
    return p;
  }

  // Phone numbers in a notice become tel: links (one tap to call on a phone), web addresses links.
  function withCalls(text) {
    var out = [], last = 0, re = /\b(999|0800 1111|0808 800 5000|0\d{3,4} ?\d{3} ?\d{3,4})\b/g, m;
    while ((m = re.exec(text))) {
      out = out.concat(withLinks(text.slice(last, m.index)));
      out.push(el("a", { href: "tel:" + m[1].replace(/\s/g, ""), text: m[1] }));
      last = re.lastIndex;
    }
    return out.concat(withLinks(text.slice(last)));
  }
  // A web address in a text ("https://www.gov.uk/...", "childline.org.uk") becomes a link that opens
  // in a new tab; the rest stays text (never parsed as HTML).
  function withLinks(text) {
    var out = [], last = 0, m;
    var re = /\bhttps?:\/\/[^\s()<>]*[^\s()<>.,;:!?]|\b(?:[a-z0-9-]+\.)+(?:org\.uk|gov\.uk|co\.uk|nhs\.uk|org|com)\b(?:\/[^\s()<>]*[^\s()<>.,;:!?])?/gi;
    while ((m = re.exec(text))) {
      out.push(text.slice(last, m.index));
      var href = /^https?:/i.test(m[0]) ? m[0] : "https://" + m[0];
      out.push(el("a", { href: href, target: "_blank", rel: "noopener", text: m[0] }));
      last = re.lastIndex;
    }
    out.push(text.slice(last));
    return out;
  }
  // The safeguarding notices, first in every answer. A crisis notice (kind "crisis_*") is a GOV.UK
  // warning text with role="alert"; the others are plain notices. kinds[i] is the kind of list[i].
  // Once a conversation has shown the whole crisis banner, later ones say their first sentence ("...
  // call 999") with the rest one tap away, so the answer under them stays on a phone's screen. A
  // sentence giving Childline stays in view too: a child who asks "who can i talk to" after telling
  // must not find it folded away (an eighth trial).
  var crisisShown = false;
  function notices(list, kinds) {
    return (list || []).map(function (n, i) {
      var kind = (kinds || [])[i] || "";
      if (kind.indexOf("crisis") === 0) {
        var sentences = n.split(/(?<=[.!?])\s+/);
        var short = crisisShown && sentences.length > 1;
        var shown = function (s, j) { return j === 0 || /childline/i.test(s); };
        var head = short ? sentences.filter(shown).join(" ") : n;
        var rest = short ? sentences.filter(function (s, j) { return !shown(s, j); }).join(" ") : "";
        var parts = [
          el("span", { class: "wtg-warning-icon", "aria-hidden": "true", text: "!" }),
          el("strong", { class: "wtg-warning-text" }, [el("span", { class: "wtg-vh", text: "Warning: " })].concat(withCalls(head))),
        ];
        if (rest) {
          parts.push(el("details", { class: "wtg-more" }, [el("summary", { text: "More help" }), el("p", {}, withCalls(rest))]));
        }
        crisisShown = true;
        return el("div", { class: "wtg-warning" + (rest ? " wtg-warning-short" : ""), role: "alert" }, parts);
      }
      var help = kind === "child" || kind === "case_any";
      return el("div", { class: "wtg-notice" + (help ? " wtg-help" : ""), role: "note" }, withCalls(n));
    });
  }

  // Reads "event: X\ndata: {...}\n\n" blocks from a fetch body.
  function readEvents(response, onEvent) {
    var reader = response.body.getReader(), decoder = new TextDecoder(), buffer = "";
    function pump() {
      return reader.read().then(function (r) {
        if (r.done) return;
        buffer += decoder.decode(r.value, { stream: true });
        var parts = buffer.split("\n\n");
        buffer = parts.pop();
        parts.forEach(function (block) {
          var name = "message", data = "";
          block.split("\n").forEach(function (line) {
            if (line.indexOf("event:") === 0) name = line.slice(6).trim();
            else if (line.indexOf("data:") === 0) data += line.slice(5).trim();
          });
          if (data) onEvent(name, JSON.parse(data));
        });
        return pump();
      });
    }
    return pump();
  }

  function ask(question) {
    var turn = ++turnCount;
    var article = el("article", { class: "wtg-turn", "aria-busy": "true" });
    // Only a crisis banner, a child's Childline notice and the request not to type personal details
    // sit above the answer; every other note goes under it.
    var noticeBox = el("div");
    var answerBox = el("p", { class: "wtg-answer", tabindex: "-1" });
    var notesBox = el("div", { class: "wtg-notes" });
    var cards = el("ol", { class: "wtg-cards", "aria-label": "Sources" });
    var asked = el("span", { text: question });
    article.appendChild(el("p", { class: "wtg-q" }, [el("span", { class: "wtg-vh", text: "You asked: " }), asked]));
    article.appendChild(noticeBox);
    article.appendChild(answerBox);
    article.appendChild(notesBox);
    article.appendChild(cards);
    log.appendChild(article);
    root.classList.add("wtg-talking");
    var citations = [], text = "", final = null, safeguardingCount = 0;
    askBtn.disabled = true;
    status.textContent = "Finding the answer\u2026";
    var body = { question: question, history: history.slice(-MAX_TURNS) };
    return fetch(api + "/api/ask/stream", { method: "POST", headers: headers(), body: JSON.stringify(body) })
      .then(function (r) {
        if (!r.ok) {
          return r.json().catch(function () { return {}; }).then(function (j) {
            throw new Error(j.detail || "The service could not answer (error " + r.status + ").");
          });
        }
        return readEvents(r, function (name, data) {
          if (name === "safeguarding") {
            // First event: the safeguarding notices. A crisis banner goes above the answer; the
            // new turn is scrolled to, so the banner and then the answer are on screen.
            var sg = data.safeguarding || {};
            var kinds = sg.notices || [];
            safeguardingCount = kinds.length;
            if ((sg.personal_details || []).length && sg.question) {
              // The details were removed: the page shows, keeps and sends on only what was kept.
              question = sg.question;
              asked.textContent = question;
            }
            // (data.notices holds the notes on the sources too, after these: shown with the citations.)
            notices((data.notices || []).slice(0, kinds.length), kinds).forEach(function (n, i) {
              // A crisis banner, and a child's Childline notice, go above the answer; the rest under it.
              // So does the request not to type identifying details, beside the question it redacted.
              var above = kinds[i] && (kinds[i].indexOf("crisis") === 0 || kinds[i] === "child" || kinds[i] === "personal");
              (above ? noticeBox : notesBox).appendChild(n);
            });
            reveal(article);
          } else if (name === "citations") {
            citations = data.citations || [];
            // Notes on the sources (a replaced edition, commentary): once per conversation, one line each.
            (data.notices || []).slice(safeguardingCount).forEach(function (n) {
              if (seenNotes[n]) return;
              seenNotes[n] = true;
              notesBox.appendChild(el("p", { class: "wtg-note" }, [n]));
            });
          } else if (name === "token") {
            text += data.text;
            answerBox.textContent = text;
          } else if (name === "done") final = data;
        });
      })
      .then(function () {
        var ids = {};
        // The passages the answer quotes are its sources; the others retrieval found stay one tap
        // away, folded under "Related paragraphs", so they never push the answer off a phone screen.
        var related = citations.filter(function (c) { return c.quoted === false; });
        citations.forEach(function (c) { ids[c.id] = true; if (c.quoted !== false) cards.appendChild(card(c, turn, question)); });
        if (related.length) {
          var more = el("ol", { class: "wtg-cards", "aria-label": "Related paragraphs" });
          related.forEach(function (c) { more.appendChild(card(c, turn, question)); });
          article.appendChild(el("details", { class: "wtg-related" }, [
            el("summary", { text: "Related paragraphs (" + related.length + ")" }), more]));
        }
        var linked = linkedAnswer(text, turn, ids);
        if (final && final.abstained) linked.className += " wtg-abstained";
        linked.setAttribute("tabindex", "-1");
        article.replaceChild(linked, answerBox);
        var fb = thumbs("This answer", { target: "answer", question: question });
        article.appendChild(el("div", { class: "wtg-actions wtg-feedback" }, [el("span", { text: "Was this answer helpful?" })].concat(fb)));
        history.push({ role: "user", content: question.slice(0, MAX_TURN_CHARS) });
        history.push({ role: "assistant", content: text.slice(0, MAX_TURN_CHARS) });
        history = history.slice(-MAX_TURNS);
        var quoted = citations.length - related.length;
        status.textContent = quoted ? "Answer ready with " + quoted + " source" + (quoted > 1 ? "s" : "") + "." : "Answer ready.";
        // The new turn in view (its crisis banner, if any, then the answer), and the answer focused
        // so a screen reader reads it next.
        reveal(article);
        linked.focus({ preventScroll: true });
      })
      .catch(function (err) {
        log.removeChild(article);
        status.textContent = "";
        showError(err.message || "The service could not be reached. Try again.", false);
        textarea.value = question;
      })
      .then(function () { article.setAttribute("aria-busy", "false"); askBtn.disabled = false; });
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var q = textarea.value.trim();
    if (!q) { showError("Enter a question", true); return; }
    if (q.length > 2000) { showError("Your question must be 2,000 characters or fewer", true); return; }
    clearError();
    textarea.value = "";
    ask(q);
  });
  textarea.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); form.requestSubmit ? form.requestSubmit() : askBtn.click(); }
  });
  newBtn.addEventListener("click", function () {
    history = []; seenNotes = {}; log.innerHTML = ""; clearError(); crisisShown = false;
    root.classList.remove("wtg-talking");
    status.textContent = "Started a new conversation.";
    textarea.focus();
  });

  // ---- where it goes ------------------------------------------------------------------
  var mount = mountSel && document.querySelector(mountSel);
  function place() {
    // On the full page the page's own h1 names the service, so the box's heading is for screen readers only.
    if (mount) { title.className = "wtg-vh"; title.textContent = "Conversation"; mount.appendChild(root); return; }
    var panelId = uid + "-panel";
    var launcher = el("button", { type: "button", class: "wtg-primary", "aria-expanded": "false", "aria-controls": panelId, text: "Ask about safeguarding guidance" });
    var wrap = el("div", { class: "wtg wtg-launcher" }, [launcher]);
    var panel = el("div", { class: "wtg wtg-panel", id: panelId, hidden: "" }, [root]);
    root.className = "";
    function toggle(open) {
      panel.hidden = !open;
      launcher.setAttribute("aria-expanded", String(open));
      launcher.textContent = open ? "Close the assistant" : "Ask about safeguarding guidance";
      if (open) textarea.focus(); else launcher.focus();
    }
    launcher.addEventListener("click", function () { toggle(panel.hidden); });
    panel.addEventListener("keydown", function (e) { if (e.key === "Escape") toggle(false); });
    document.body.appendChild(panel);
    document.body.appendChild(wrap);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () {
    mount = mountSel && document.querySelector(mountSel); place();
  });
  else place();
})();
