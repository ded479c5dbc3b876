// The download link carries its token after '#', which browsers never
// send to a server; copy it into the forms.
document.addEventListener("DOMContentLoaded", function () {
  var token = window.location.hash.slice(1);
  document.querySelectorAll("input.token").forEach(function (el) { el.value = token; });
});
