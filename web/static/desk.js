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
})();
