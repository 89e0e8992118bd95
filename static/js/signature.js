// Signature pads: draw with a finger, a pen or the mouse (pointer events); on submit the drawing
// goes as a PNG data URI in the form's hidden image field. A page refused for another field (a
// name mistyped, a role left out) comes back with that data URI in the field: it is drawn on the
// pad again, so the signer need not sign twice.
(function () {
  "use strict";
  document.querySelectorAll("form[data-sign-form]").forEach(function (form) {
    var canvas = form.querySelector("canvas[data-signature-pad]");
    var field = form.querySelector("input[data-image]");
    if (!canvas || !field) return;
    var context = canvas.getContext("2d");
    var drawn = false;
    var last = null;
    context.lineWidth = 2.5;
    context.lineCap = "round";
    context.lineJoin = "round";
    context.strokeStyle = "#111";
    canvas.style.touchAction = "none";

    if (/^data:image\/png;base64,/.test(field.value)) {
      var kept = new Image();
      kept.onload = function () {
        context.drawImage(kept, 0, 0, canvas.width, canvas.height);
        drawn = true;
        canvas.setAttribute("data-restored", "");
      };
      kept.src = field.value;
    }

    function point(event) {
      var box = canvas.getBoundingClientRect();
      return {
        x: (event.clientX - box.left) * (canvas.width / box.width),
        y: (event.clientY - box.top) * (canvas.height / box.height),
      };
    }
    canvas.addEventListener("pointerdown", function (event) {
      event.preventDefault();
      canvas.setPointerCapture(event.pointerId);
      last = point(event);
      context.beginPath();
      context.arc(last.x, last.y, context.lineWidth / 2, 0, 2 * Math.PI);
      context.fill();
      drawn = true;
    });
    canvas.addEventListener("pointermove", function (event) {
      if (last === null) return;
      event.preventDefault();
      var next = point(event);
      context.beginPath();
      context.moveTo(last.x, last.y);
      context.lineTo(next.x, next.y);
      context.stroke();
      last = next;
    });
    function stop() { last = null; }
    canvas.addEventListener("pointerup", stop);
    canvas.addEventListener("pointercancel", stop);
    form.querySelector("[data-clear]").addEventListener("click", function () {
      context.clearRect(0, 0, canvas.width, canvas.height);
      drawn = false;
      field.value = "";
      canvas.removeAttribute("data-restored");
    });
    form.addEventListener("submit", function () {
      field.value = drawn ? canvas.toDataURL("image/png") : "";
    });
  });
})();
