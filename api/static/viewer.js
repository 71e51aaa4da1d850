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
    el.scrollIntoView({ block: "center", behavior: reduce ? "auto" : "smooth" });
    el.focus({ preventScroll: true });
    // Said by a screen reader: which paragraph this is, and of which edition.
    var announce = document.getElementById("announce"), bar = document.querySelector(".doc-bar");
    var label = el.querySelector(".para-label");
    if (announce && label) announce.textContent = "Showing " + label.textContent + (bar ? " of " + bar.textContent : "");
  }
  window.addEventListener("hashchange", showTarget);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", showTarget);
  else showTarget();
})();
