// A form sent back with problems opens on the first of them: the spoiler-lint summary, the
// form's own errors, or the first field in error, which takes the focus.
(function () {
  "use strict";
  var first = document.querySelector(".lint-summary, .form-errors, .field--error");
  if (!first) return;
  first.scrollIntoView({ block: "start" });
  var target = first.matches(".field--error") ? first.querySelector("input, textarea, select") : first;
  if (target) target.focus({ preventScroll: true });
})();
