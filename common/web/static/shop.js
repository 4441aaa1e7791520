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
})();
