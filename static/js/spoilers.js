// "Show this spoiler" without leaving the page: fetch only that spoiler's HTML, put it where
// its placeholder was, move the focus to it and announce it. Without JavaScript, or when the
// fetch fails, the link loads the same page with that spoiler shown, landing on it.
(function () {
  "use strict";

  var status;

  function announce(text) {
    if (!status) {
      status = document.createElement("div");
      status.className = "visually-hidden";
      status.setAttribute("role", "status");
      document.body.appendChild(status);
    }
    status.textContent = text;
  }

  function show(link, placeholder) {
    link.setAttribute("aria-busy", "true");
    fetch(link.getAttribute("data-fragment"), {
      credentials: "same-origin",
      headers: { Accept: "text/html" },
    })
      .then(function (response) {
        if (!response.ok) throw new Error("status " + response.status);
        return response.text();
      })
      .then(function (html) {
        var template = document.createElement("template");
        template.innerHTML = html.trim();
        var shown = template.content.firstElementChild;
        if (!shown || shown.id !== placeholder.id) throw new Error("not this spoiler");
        placeholder.replaceWith(shown);
        shown.focus();
        announce("Spoiler shown.");
      })
      .catch(function () {
        window.location.assign(link.href);
      });
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a.spoiler-withheld__show[data-fragment]");
    if (!link || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
      return;
    }
    var placeholder = link.closest(".spoiler-withheld");
    if (!placeholder) return;
    event.preventDefault();
    show(link, placeholder);
  });
})();
