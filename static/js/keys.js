// Keyboard shortcuts of the reviewer's desk. No framework: the page's own
// links, radios and buttons do the work; a key only moves focus or clicks.
//   j / k   next / previous claim (queue: move the selection, Enter opens)
//   1 - 6   choose a rating          c / x   confirm / reject a match
//   ?       help dialog
(function () {
  "use strict";

  function typing(el) {
    if (!el || el === document.body) return false;
    if (el.isContentEditable) return true;
    if (el.tagName === "TEXTAREA" || el.tagName === "SELECT") return true;
    if (el.tagName !== "INPUT") return false;
    var notTyped = ["radio", "checkbox", "button", "submit", "reset", "image", "range", "color", "file"];
    return notTyped.indexOf((el.type || "text").toLowerCase()) === -1;
  }

  function page() {
    return document.body.dataset.page || "";
  }

  // --- Queue: a selection that j/k move over the rows --------------------------
  var selected = -1;

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("#queue-results tr[data-row]"));
  }

  function select(index) {
    var all = rows();
    if (!all.length) return;
    selected = Math.max(0, Math.min(index, all.length - 1));
    all.forEach(function (row, i) {
      row.classList.toggle("is-selected", i === selected);
    });
    var link = all[selected].querySelector("a.claim-link");
    if (link) {
      link.focus();
      link.scrollIntoView({ block: "nearest" });
    }
  }

  function currentRow() {
    var all = rows();
    var focused = document.activeElement && document.activeElement.closest("tr[data-row]");
    var i = focused ? all.indexOf(focused) : -1;
    return i >= 0 ? i : selected;
  }

  // --- Claim page ------------------------------------------------------------------
  function follow(key) {
    var link = document.querySelector('a[data-key="' + key + '"]');
    if (link) window.location.assign(link.href);
  }

  function chooseRating(n) {
    var radios = document.querySelectorAll('#verdict-form input[name="rating"]');
    var radio = radios[n - 1];
    if (!radio) return;
    radio.checked = true;
    radio.focus();
  }

  function decide(action) {
    var selector = 'button[data-action="' + action + '"]';
    var focused = document.activeElement && document.activeElement.closest("tr.match");
    var button = focused && focused.querySelector(selector);
    if (!button) {
      var pending = document.querySelector('tr.match[data-decision="pending"]');
      button = pending && pending.querySelector(selector);
    }
    if (button) button.click();
  }

  function help() {
    var dialog = document.getElementById("keys-help");
    if (dialog && !dialog.open) dialog.showModal();
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (typing(event.target)) return;
    var dialog = document.getElementById("keys-help");
    if (dialog && dialog.open) return; // Esc closes it natively
    var key = event.key;
    var where = page();
    var handled = true;
    if (key === "?") {
      help();
    } else if (where === "queue" && (key === "j" || key === "k")) {
      select(currentRow() + (key === "j" ? 1 : -1));
    } else if (where === "claim" && (key === "j" || key === "k")) {
      follow(key === "j" ? "next" : "prev");
    } else if (where === "claim" && /^[1-9]$/.test(key)) {
      chooseRating(parseInt(key, 10));
    } else if (where === "claim" && (key === "c" || key === "x")) {
      decide(key === "c" ? "confirm" : "reject");
    } else {
      handled = false;
    }
    if (handled) event.preventDefault();
  });

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-keys-help]")) help();
  });

  // htmx replaced the queue table or a match row: keep the reviewer's place.
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail && event.detail.target;
    if (!target || !target.id) return;
    if (target.id === "queue-results") {
      selected = -1;
    } else if (target.id.indexOf("match-") === 0) {
      var row = document.getElementById(target.id);
      if (row) row.focus();
    }
  });
})();
