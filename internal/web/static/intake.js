// Shows a scan the clerk picked beside the intake form, before it is sent:
// read in the browser from the file itself, never uploaded twice.
(function () {
  "use strict";
  var urls = [];
  function show(input) {
    var target = document.getElementById(input.getAttribute("data-preview"));
    if (!target || !input.files || input.files.length === 0) { return; }
    var file = input.files[0];
    urls.forEach(function (u) { URL.revokeObjectURL(u); });
    urls = [];
    var url = URL.createObjectURL(file);
    urls.push(url);
    target.textContent = "";
    var el;
    if (file.type === "application/pdf") {
      el = document.createElement("object");
      el.setAttribute("type", "application/pdf");
      el.setAttribute("data", url);
    } else {
      el = document.createElement("img");
      el.setAttribute("alt", "The scan picked: " + file.name);
      el.setAttribute("src", url);
    }
    el.className = "scan-view";
    target.appendChild(el);
  }
  document.addEventListener("change", function (ev) {
    var t = ev.target;
    if (t && t.matches && t.matches("input[type=file][data-preview]")) { show(t); }
  });
})();
