// Spoiler lint in the editor: each "possible untagged spoiler" warning in the live preview
// gets a button that wraps the sentence in the suggested scope. Progressive enhancement:
// without JavaScript the warning still shows the markup to add by hand.
(function () {
  "use strict";

  function sentenceAround(text, index) {
    var start = index, end = index;
    while (start > 0 && !/[.!?\n]/.test(text[start - 1])) start--;
    while (start < index && /\s/.test(text[start])) start++;
    while (end < text.length && !/[.!?\n]/.test(text[end])) end++;
    if (end < text.length && text[end] !== "\n") end++;
    return [start, end];
  }

  function wrap(textarea, term, scope) {
    var text = textarea.value;
    var lower = text.toLowerCase(), needle = term.toLowerCase(), from = 0, at;
    while ((at = lower.indexOf(needle, from)) !== -1) {
      var bounds = sentenceAround(text, at);
      var sentence = text.slice(bounds[0], bounds[1]);
      var before = text.slice(Math.max(0, bounds[0] - 40), bounds[0]);
      if (sentence.indexOf(">!") === -1 && before.lastIndexOf(">!") <= before.lastIndexOf("!<")) {
        textarea.value = text.slice(0, bounds[0]) + ">![" + scope + "] " + sentence.trim() +
          "!<" + text.slice(bounds[1]);
        textarea.dispatchEvent(new Event("input", { bubbles: true }));
        return true;
      }
      from = at + needle.length;
    }
    return false;
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
      button.addEventListener("click", function () {
        if (!wrap(textarea, item.getAttribute("data-term"), item.getAttribute("data-scope"))) {
          button.textContent = "Could not find it: wrap it by hand";
        }
      });
      item.appendChild(document.createTextNode(" "));
      item.appendChild(button);
    });
  }

  document.querySelectorAll(".markdownx-preview").forEach(function (preview) {
    new MutationObserver(function () { enhance(preview); }).observe(preview, { childList: true });
    enhance(preview);
  });
})();
