// Paragraph viewer: bring the cited paragraph (#para-N) into view and give it focus for screen readers.
(function () {
  function showTarget() {
    var id = decodeURIComponent(location.hash.slice(1));
    if (!id) return;
    var el = document.getElementById(id);
    var missing = document.getElementById("not-held");
    if (missing) missing.remove();
    if (!el) {
      // A paragraph the text held does not have: say so, rather than show the top of the page.
      var m = /^para-(.+)$/.exec(id), list = document.querySelector(".paragraphs");
      if (m && list) {
        var note = document.createElement("p");
        note.id = "not-held"; note.className = "not-held"; note.setAttribute("role", "status");
        note.textContent = "Paragraph " + m[1] + " is not in the text of this document held here.";
        list.parentNode.insertBefore(note, list);
      }
      return;
    }
    document.querySelectorAll(".para.is-target").forEach(function (p) { p.classList.remove("is-target"); });
    el.classList.add("is-target");
    var reduce = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    // "start", not "center": a paragraph taller than a phone screen would start under the title bar.
    el.scrollIntoView({ block: "start", behavior: reduce ? "auto" : "smooth" });
    el.focus({ preventScroll: true });
    // Said by a screen reader: which paragraph this is, and of which edition.
    var announce = document.getElementById("announce"), bar = document.querySelector(".doc-bar");
    var label = el.querySelector(".para-label");
    if (announce && label) announce.textContent = "Showing " + label.textContent + (bar ? " of " + bar.textContent : "");
  }
  // With API keys on, the text is not in the page: fetched with the session cookie the page set.
  function load() {
    var list = document.querySelector(".paragraphs[data-src]");
    if (!list) { showTarget(); return; }
    fetch(list.getAttribute("data-src"), { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) {
        return r.json().catch(function () { return {}; }).then(function (j) {
          throw new Error(j.detail || "error " + r.status);
        });
      }
      return r.text();
    }).then(function (html) {
      list.innerHTML = html;
      list.removeAttribute("aria-busy");
      showTarget();
    }).catch(function (err) {
      var note = document.createElement("p");
      note.className = "not-held"; note.setAttribute("role", "alert");
      note.textContent = "The text could not be loaded (" + err.message + "). Reload the page to try again.";
      list.removeAttribute("aria-busy");
      list.appendChild(note);
    });
  }
  window.addEventListener("hashchange", showTarget);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", load);
  else load();
})();
