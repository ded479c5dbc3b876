// The requester's private link carries its token after '#', which the
// browser never sends to a server. Copy it into the forms that need it,
// and show the status straight away.
document.addEventListener("DOMContentLoaded", function () {
  var token = window.location.hash.slice(1);
  if (!token) { return; }
  document.querySelectorAll("input.token").forEach(function (el) { el.value = token; });
  var auto = document.querySelector("form.auto");
  if (auto) { auto.submit(); }
});

// A language switch link keeps the private token after '#': the page
// reloads in the other language with the same link.
document.addEventListener("click", function (ev) {
  var a = ev.target && ev.target.closest ? ev.target.closest("#lang-switch a") : null;
  if (!a || !window.location.hash) { return; }
  ev.preventDefault();
  window.location.href = a.getAttribute("href") + window.location.hash;
});
