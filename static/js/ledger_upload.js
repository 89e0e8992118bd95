// Ledger upload: send the file with XMLHttpRequest so a large ledger shows how much of
// it has been uploaded, then follow the server's redirect to the import's report, which shows
// the import's own progress. Without JavaScript the form posts as usual.
(function () {
  "use strict";
  const form = document.querySelector("form.ledger-upload");
  if (!form || !window.XMLHttpRequest || !window.FormData) return;
  const box = form.querySelector(".upload-progress");
  const bar = form.querySelector("#upload-progress");
  const percent = form.querySelector(".upload-percent");
  const input = form.querySelector("input[type=file]");
  const button = form.querySelector("button[type=submit]");
  const maxBytes = Number(form.dataset.maxBytes || 0);

  form.addEventListener("submit", function (event) {
    const file = input && input.files && input.files[0];
    if (!file) return; // let the browser and the server say the file is required
    if (maxBytes && file.size > maxBytes) {
      event.preventDefault();
      input.setCustomValidity(form.dataset.tooLarge);
      input.reportValidity();
      return;
    }
    event.preventDefault();
    const request = new XMLHttpRequest();
    request.open("POST", form.action);
    request.upload.addEventListener("progress", function (e) {
      if (!e.lengthComputable) return;
      const value = Math.round((100 * e.loaded) / e.total);
      bar.value = value;
      percent.textContent = value + " %";
    });
    request.upload.addEventListener("load", function () {
      percent.textContent = form.dataset.processing;
    });
    request.addEventListener("load", function () {
      if (request.status < 400 && request.responseURL) {
        window.location.assign(request.responseURL);
      } else {
        // The form with its errors, as the server rendered it.
        document.open();
        document.write(request.responseText);
        document.close();
      }
    });
    request.addEventListener("error", function () {
      button.disabled = false;
      box.hidden = true;
      form.submit();
    });
    button.disabled = true;
    box.hidden = false;
    request.send(new FormData(form));
  });
  if (input) input.addEventListener("change", function () { input.setCustomValidity(""); });
})();
