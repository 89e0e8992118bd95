// The agreement editor's totals, updated as the user types (the server recomputes them anyway).
(function () {
  "use strict";
  function cents(text) {
    var value = String(text || "").replace(/[,\s¥]/g, "");
    if (!/^\d+(\.\d{0,2})?$/.test(value)) return 0;
    var parts = value.split(".");
    return parseInt(parts[0], 10) * 100 + parseInt(((parts[1] || "") + "00").slice(0, 2), 10);
  }
  function yuan(amount) {
    var whole = Math.floor(amount / 100).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return "¥" + whole + "." + String(amount % 100).padStart(2, "0");
  }
  function update(form) {
    var total = 0;
    form.querySelectorAll("[data-obligation]").forEach(function (obligation) {
      var sum = 0;
      obligation.querySelectorAll("input[data-amount]").forEach(function (input) {
        sum += cents(input.value);
      });
      var output = obligation.querySelector("[data-obligation-total]");
      if (output) output.textContent = yuan(sum);
      total += sum;
    });
    var output = form.querySelector("[data-total]");
    if (output) output.textContent = yuan(total);
  }
  document.querySelectorAll("[data-agreement-editor]").forEach(function (form) {
    form.addEventListener("input", function () { update(form); });
    update(form);
  });
})();
