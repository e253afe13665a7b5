// popgate keyboard shortcuts and "select all" in place. Optional: every
// page works without this file. Loaded with the page's CSP nonce; it adds
// no inline script or style and talks to no server but by following links
// and submitting popgate's own forms.
(function () {
  "use strict";

  var help = document.getElementById("keys-help");

  // typing reports whether the key goes to a field where the user types.
  function typing(el) {
    if (!el || !el.tagName) return false;
    if (el.isContentEditable) return true;
    var tag = el.tagName.toLowerCase();
    if (tag === "textarea" || tag === "select") return true;
    if (tag !== "input") return false;
    var type = (el.getAttribute("type") || "text").toLowerCase();
    return ["checkbox", "radio", "button", "submit", "reset", "image"].indexOf(type) < 0;
  }

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("tr[data-uid]"));
  }

  function current(list) {
    for (var i = 0; i < list.length; i++) {
      if (list[i].contains(document.activeElement)) return i;
    }
    return -1;
  }

  function focusRow(row) {
    var link = row.querySelector(".c-subject a");
    if (link) {
      link.focus();
      row.scrollIntoView({ block: "nearest" });
    }
  }

  function follow(selector) {
    var a = document.querySelector(selector);
    if (a && a.href) {
      window.location.href = a.href;
      return true;
    }
    return false;
  }

  // move goes to the older (+1) or the newer (-1) message: a
  // row of the inbox, or the neighbouring message from a message page.
  function move(step) {
    var list = rows();
    if (list.length === 0) {
      return follow(step > 0 ? 'a[rel="next"][data-testid="older"]' : 'a[rel="prev"][data-testid="newer"]');
    }
    var i = current(list) + step;
    if (current(list) < 0) i = step > 0 ? 0 : list.length - 1;
    if (i >= list.length) return follow('a[rel="next"][data-testid="older-page"]');
    if (i < 0) return follow('a[rel="prev"][data-testid="newer-page"]');
    focusRow(list[i]);
    return true;
  }

  function toggle(row) {
    var box = row && row.querySelector('input[type="checkbox"]');
    if (box) box.checked = !box.checked;
    syncSelect();
  }

  function deleteSelected() {
    var form = document.querySelector('form[data-testid="bulk-delete"]');
    if (form) {
      if (form.querySelector('input[name="uid"]:checked')) {
        form.requestSubmit ? form.requestSubmit() : form.submit();
        return true;
      }
      var list = rows();
      var i = current(list);
      if (i >= 0) {
        list[i].querySelector('input[type="checkbox"]').checked = true;
        form.requestSubmit ? form.requestSubmit() : form.submit();
        return true;
      }
      return false;
    }
    var one = document.querySelector('form[data-testid="delete"]');
    if (one) {
      one.requestSubmit ? one.requestSubmit() : one.submit();
      return true;
    }
    return false;
  }

  function showHelp() {
    if (help && typeof help.showModal === "function" && !help.open) help.showModal();
  }

  // "Select all" / "Select none" toggle the checkboxes in place; without
  // script they are links to the page with every box checked or none.
  var selectLink = document.querySelector("a[data-select]");
  function boxes() {
    return Array.prototype.slice.call(document.querySelectorAll('tr[data-uid] input[type="checkbox"]'));
  }
  function syncSelect() {
    if (!selectLink) return;
    var all = boxes();
    var allChecked = all.length > 0 && all.every(function (b) { return b.checked; });
    selectLink.setAttribute("data-select", allChecked ? "none" : "all");
    selectLink.setAttribute("data-testid", allChecked ? "select-none" : "select-all");
    selectLink.textContent = allChecked ? "Select none" : "Select all";
  }
  if (selectLink) {
    selectLink.setAttribute("role", "button");
    selectLink.addEventListener("click", function (e) {
      e.preventDefault();
      var check = selectLink.getAttribute("data-select") === "all";
      boxes().forEach(function (b) { b.checked = check; });
      syncSelect();
    });
    selectLink.addEventListener("keydown", function (e) {
      if (e.key === " ") {
        e.preventDefault();
        selectLink.click();
      }
    });
    document.addEventListener("change", function (e) {
      if (e.target && e.target.type === "checkbox") syncSelect();
    });
  }

  var opener = document.querySelector("[data-keys-open]");
  if (opener) {
    opener.hidden = false;
    opener.addEventListener("click", showHelp);
  }
  var closer = document.querySelector("[data-keys-close]");
  if (closer && help) {
    closer.addEventListener("click", function () { help.close(); });
  }

  document.addEventListener("keydown", function (e) {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
    if (typing(e.target)) return;
    if (help && help.open) return; // the dialog handles Escape itself
    var handled = false;
    switch (e.key) {
      case "j":
      case "n":
        handled = move(1);
        break;
      case "k":
      case "p":
        handled = move(-1);
        break;
      case "o": {
        var list = rows();
        var i = current(list);
        if (i >= 0) {
          var link = list[i].querySelector(".c-subject a");
          if (link) {
            link.click();
            handled = true;
          }
        }
        break;
      }
      case "x": {
        var r = rows();
        var c = current(r);
        if (c >= 0) {
          toggle(r[c]);
          handled = true;
        }
        break;
      }
      case "#":
      case "Delete":
        handled = deleteSelected();
        break;
      case "u":
        handled = follow('a[data-testid="back"]');
        break;
      case "?":
        showHelp();
        handled = true;
        break;
    }
    if (handled) e.preventDefault();
  });
})();
