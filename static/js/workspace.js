/* Headquarters workspace: progressive enhancement only. Without this script
   the allocation page still shows every year's remaining grant in a table. */
(function () {
  "use strict";
  var form = document.querySelector("[data-remaining-form]");
  var table = document.getElementById("grant-remaining");
  if (!form || !table) { return; }
  var amount = form.querySelector("[data-remaining-input]");
  var year = form.querySelector("[name=fiscal_year]");
  var output = form.querySelector("[data-remaining-output]");
  if (!amount || !year || !output) { return; }
  var lang = document.documentElement.lang || "ja";
  var english = lang.indexOf("en") === 0;

  function remainingFor(fiscalYear) {
    var row = table.querySelector("tr[data-fiscal-year='" + fiscalYear + "']");
    return row ? parseInt(row.getAttribute("data-remaining"), 10) : null;
  }

  function parseYen(text) {
    var normal = (text || "").replace(/[０-９]/g, function (c) {
      return String.fromCharCode(c.charCodeAt(0) - 0xFEE0);
    }).replace(/[,，円\s]/g, "");
    return /^\d+$/.test(normal) ? parseInt(normal, 10) : null;
  }

  function format(n) { return n.toLocaleString("ja-JP") + (english ? " yen" : "円"); }

  function update() {
    var remaining = remainingFor(year.value);
    var typed = parseYen(amount.value);
    if (remaining === null) { output.hidden = true; return; }
    output.hidden = false;
    if (typed === null) {
      output.textContent = (english ? "Remaining for this year: " : "この年度に配分できる残り: ") + format(remaining);
      output.classList.remove("remaining-live--over");
      return;
    }
    var left = remaining - typed;
    if (left < 0) {
      output.textContent = (english ? "Exceeds the remaining grant by " : "残りを超えています（超過額: ") + format(-left) + (english ? "." : "）");
      output.classList.add("remaining-live--over");
    } else {
      output.textContent = (english ? "Remaining after this allocation: " : "この配分後の残り: ") + format(left);
      output.classList.remove("remaining-live--over");
    }
  }

  amount.addEventListener("input", update);
  year.addEventListener("change", update);
  update();
})();
