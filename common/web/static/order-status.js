// The order page of a pending order (stage07: paid after the answer, by a queue consumer)
// asks the JSON API for the order's status until it is settled, then shows it. No reload,
// no inline script (the Content-Security-Policy allows scripts from the shop only).
(function () {
  "use strict";
  var status = document.getElementById("order-status");
  var note = document.getElementById("order-status-note");
  if (!status || status.textContent.trim() !== "pending") {
    return;
  }
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
})();
