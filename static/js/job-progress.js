// Progress of a data job without waiting for the page's meta refresh: polls the job's
// progress.json every second, updates the bar and the row count, and reloads the page
// once the job has finished (the page itself then shows the result). Without JavaScript
// the meta refresh does the same, more slowly.
(function () {
  "use strict";
  var section = document.querySelector("[data-job-progress]");
  if (!section || !window.fetch) {
    return;
  }
  var url = section.getAttribute("data-job-progress");
  var bar = section.querySelector("progress");
  var count = section.querySelector("[data-job-count]");
  var refresh = document.querySelector('meta[http-equiv="refresh"]');
  if (refresh) {
    refresh.parentNode.removeChild(refresh); // this script takes over
  }
  var format = new Intl.NumberFormat();
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(function (data) {
        if (data.finished) {
          window.location.reload();
          return;
        }
        if (data.total) {
          bar.max = data.total;
        }
        bar.value = data.done;
        bar.textContent = data.done + "/" + data.total;
        count.textContent = format.format(data.done) + " / " + format.format(data.total) + " " + (document.documentElement.lang === "en" ? "rows" : "行");
        window.setTimeout(poll, 1000);
      })
      .catch(function () {
        window.setTimeout(function () { window.location.reload(); }, 3000);
      });
  }
  window.setTimeout(poll, 1000);
})();
