// Behaviour every page shares. No inline scripts or handlers anywhere: the Content-Security-Policy
// (config/settings.py) allows scripts from this site only.
(function () {
  "use strict";

  // Selects marked data-autosubmit send their form when changed (the language switcher).
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field.matches && field.matches("select[data-autosubmit]") && field.form) {
      field.form.submit();
    }
  });

  // With htmx, a refusal (400, 403, 409) is shown like any page: it carries the case as it is now.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if ([400, 403, 409].indexOf(event.detail.xhr.status) !== -1) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
})();
