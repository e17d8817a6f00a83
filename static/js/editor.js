// Spoiler lint in the editor: each "possible untagged spoiler" warning in the live preview
// gets a button that wraps the sentence in the suggested scope. The wrapping is done by the
// server (/markdownx/wrap/), which checks that the result is valid markup. Progressive
// enhancement: without JavaScript the warning still shows the markup to add by hand.
(function () {
  "use strict";

  function csrfToken(element) {
    var form = element.closest("form");
    var input = form && form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function wrap(textarea, item, button) {
    var body = new URLSearchParams();
    body.set("content", textarea.value);
    body.set("term", item.getAttribute("data-term"));
    body.set("scope", item.getAttribute("data-scope"));
    body.set("sentence", item.getAttribute("data-sentence") || "");
    button.disabled = true;
    fetch("/markdownx/wrap/", {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(textarea) },
      body: body,
    })
      .then(function (response) {
        return response.json().then(function (data) {
          if (!response.ok) throw new Error(data.error || "Could not wrap it: wrap it by hand.");
          return data;
        });
      })
      .then(function (data) {
        textarea.value = data.content;
        textarea.dispatchEvent(new Event("input", { bubbles: true }));
        textarea.focus();
      })
      .catch(function (error) {
        button.disabled = false;
        button.textContent = error.message;
      });
  }

  function enhance(preview) {
    var editor = preview.closest(".markdownx");
    var textarea = editor && editor.querySelector("textarea");
    if (!textarea) return;
    preview.querySelectorAll(".lint-warnings li[data-term]").forEach(function (item) {
      if (item.querySelector("button")) return;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "button button--small button--secondary lint-wrap";
      button.textContent = "Wrap it in " + item.getAttribute("data-scope");
      button.addEventListener("click", function () { wrap(textarea, item, button); });
      item.appendChild(document.createTextNode(" "));
      item.appendChild(button);
    });
  }

  document.querySelectorAll(".markdownx-preview").forEach(function (preview) {
    new MutationObserver(function () { enhance(preview); }).observe(preview, { childList: true });
    enhance(preview);
  });
})();
