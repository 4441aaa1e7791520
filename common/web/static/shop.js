// Shop Evolution's one script, loaded with `defer`: it never blocks the page from drawing,
// and the page works without it. No inline script or handler anywhere (CSP script-src 'self').
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // A product picture that cannot be loaded (the image server down, a missing object) is
  // swapped for the placeholder. The <source>s go first: while one matches, the browser
  // would keep choosing it over the <img>'s own src.
  function showPlaceholder(img) {
    var placeholder = img.getAttribute("data-fallback");
    if (!placeholder || img.getAttribute("data-failed")) {
      return;
    }
    img.setAttribute("data-failed", "1");
    var picture = img.parentElement;
    if (picture && picture.tagName === "PICTURE") {
      Array.prototype.slice.call(picture.querySelectorAll("source")).forEach(function (source) {
        source.remove();
      });
    }
    img.removeAttribute("srcset");
    img.src = placeholder;
  }

  // Load errors do not bubble: listen in the capture phase, for every image on the page.
  document.addEventListener("error", function (event) {
    if (event.target && event.target.tagName === "IMG") {
      showPlaceholder(event.target);
    }
  }, true);
  // Images that failed before this script ran.
  Array.prototype.slice.call(document.querySelectorAll("img[data-fallback]")).forEach(function (img) {
    if (img.complete && img.naturalWidth === 0 && img.currentSrc) {
      showPlaceholder(img);
    }
  });

  // A sort order applies as soon as it is chosen (the Apply button is for browsers without
  // script, and is hidden by the stylesheet when this runs).
  Array.prototype.slice.call(document.querySelectorAll("select[data-autosubmit]")).forEach(function (select) {
    select.addEventListener("change", function () {
      select.form.submit();
    });
  });

  // The page of a pending order (stage07: paid after the answer, by a queue consumer) asks
  // the JSON API for the order's status until it is settled, then shows it: no reload.
  var orderStatus = document.getElementById("order-status");
  if (orderStatus && orderStatus.textContent.trim() === "pending") {
    followOrder(orderStatus, document.getElementById("order-status-note"));
  }

  function followOrder(status, note) {
    var url = status.getAttribute("data-order-url");
    var delay = 500; // ms: quick at first (most orders settle within a second), then slower
    var giveUpAt = Date.now() + 5 * 60 * 1000;

    function show(value) {
      status.textContent = value;
      status.className = "status status-" + value;
    }

    function ask() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          return response.ok ? response.json() : null;
        })
        .then(function (order) {
          if (order && order.status && order.status !== "pending") {
            show(order.status);
            if (note) {
              note.textContent = order.status === "paid"
                ? "Paid: thank you! Your order is on its way."
                : "Cancelled: the order could not be paid, and nothing stays charged.";
            }
            return;
          }
          next();
        })
        .catch(next);
    }

    function next() {
      if (Date.now() > giveUpAt) {
        if (note) {
          note.textContent = "Still pending: reload this page later to see its status.";
        }
        return;
      }
      setTimeout(ask, delay);
      delay = Math.min(delay * 1.5, 5000);
    }

    next();
  }
})();
