// Light touches only: every page works without this file.
(function () {
  "use strict";
  // A select or checkbox in a filter form applies at once; the URL keeps the filters.
  document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
    form.addEventListener("change", function (ev) {
      if (ev.target.matches("select, input[type=checkbox]")) form.requestSubmit();
    });
  });
  // Ask before a step that cannot be undone from the page.
  document.querySelectorAll("[data-confirm]").forEach(function (el) {
    el.addEventListener("submit", function (ev) {
      if (!window.confirm(el.getAttribute("data-confirm"))) ev.preventDefault();
    });
  });
  // "Back to the list" returns to the list as it was filtered (the URL holds the filters).
  if (document.getElementById("case-table")) {
    sessionStorage.setItem("deskList", location.pathname + location.search);
  }
  document.querySelectorAll("a[data-back-to-list]").forEach(function (a) {
    var kept = sessionStorage.getItem("deskList");
    if (kept && kept.indexOf("/desk/cases") === 0) a.setAttribute("href", kept);
  });
})();
