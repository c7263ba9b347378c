/* Tilskot's only script of its own (no inline script anywhere: the CSP stays strict).
   Everything works without it; it adds:
   - the folding menu on narrow screens (the "Menu" button; without JavaScript the menu shows)
     and closing the account menu on a click elsewhere or Escape;
   - focus kept where the person was after htmx swaps a part of the page (WCAG 2.4.3): on the
     same control if the new part has it, else on the part's status message, else on the part. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function setUpMenu() {
    var button = document.querySelector(".menu-toggle");
    var menu = document.getElementById("site-menu");
    if (!button || !menu) return;
    button.addEventListener("click", function () {
      var open = button.getAttribute("aria-expanded") !== "true";
      button.setAttribute("aria-expanded", String(open));
      menu.classList.toggle("open", open);
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
        button.setAttribute("aria-expanded", "false");
        menu.classList.remove("open");
        button.focus();
      }
    });
  }

  // The account menu (a <details>) closes on a click elsewhere and on Escape.
  function setUpAccountMenu() {
    var menu = document.querySelector(".account-menu");
    if (!menu) return;
    document.addEventListener("click", function (event) {
      if (menu.open && !menu.contains(event.target)) menu.open = false;
    });
    menu.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && menu.open) {
        menu.open = false;
        menu.querySelector("summary").focus();
      }
    });
  }

  // What had focus when an htmx request started, if it sat inside the part to be swapped.
  var focused = null;

  function rememberFocus(event) {
    var active = document.activeElement;
    var part = event.detail.target;
    var trigger = event.detail.elt && event.detail.elt.getAttribute("hx-trigger");
    focused =
      active && active !== document.body && part && part.contains(active)
        ? { id: active.id, name: active.name, poll: /\bevery\b/.test(trigger || "") }
        : null;
  }

  function restoreFocus(event) {
    // Only when the swap took the focus away (a poll that replaces a part nobody is in, or
    // while the person is elsewhere on the page, leaves focus alone).
    var remembered = focused;
    focused = null;
    var active = document.activeElement;
    if (!remembered || (active && active !== document.body && active.isConnected)) return;
    var part = event.detail.target && document.getElementById(event.detail.target.id);
    if (!part) return;
    var target = null;
    if (remembered.id) {
      target = document.getElementById(remembered.id);
    }
    if (!target && remembered.name) {
      target = part.querySelector('[name="' + CSS.escape(remembered.name) + '"]');
    }
    if (!target && remembered.poll) return; // a poll's status is announced, not focused
    if (!target) {
      target = part.querySelector("[data-focus-after-swap], .ds-error-summary, [role=status]");
    }
    if (!target) {
      target = part;
    }
    if (!target.hasAttribute("tabindex") && !target.matches("a, button, input, select, textarea")) {
      target.setAttribute("tabindex", "-1");
    }
    target.focus();
  }

  document.addEventListener("DOMContentLoaded", setUpMenu);
  document.addEventListener("DOMContentLoaded", setUpAccountMenu);
  document.addEventListener("htmx:beforeRequest", rememberFocus);
  document.addEventListener("htmx:afterSettle", restoreFocus);
})();
