// The SQL console without its editor: the share link in full, Ctrl+Enter on the plain
// textarea, and the editor (CodeMirror, 400 KB: assets/editor/) fetched only when the
// planner reaches for the query, so reading a result on a phone costs none of it. A page
// showing an error fetches it at once, to mark where the error is.
(function () {
  "use strict";
  document.querySelectorAll(".share input").forEach(function (input) {
    input.value = location.origin + input.getAttribute("value");
  });
  var textarea = document.getElementById("q");
  if (!textarea || !textarea.form) return;
  // Ctrl+Enter (⌘+Enter on a Mac) runs the query; the form works without this.
  textarea.addEventListener("keydown", function (e) {
    if ((e.ctrlKey || e.metaKey) && e.key === "Enter") {
      e.preventDefault();
      textarea.form.submit();
    }
  });
  var asked = false;
  function load() {
    if (asked) return;
    asked = true;
    var script = document.createElement("script");
    script.src = textarea.getAttribute("data-editor");
    document.head.appendChild(script);
  }
  ["focus", "pointerdown", "keydown"].forEach(function (type) {
    textarea.addEventListener(type, load);
  });
  if (document.querySelector(".sql .error[role=alert]")) load();
})();
