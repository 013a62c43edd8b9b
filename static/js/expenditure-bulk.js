/* Bulk execution entry: progressive enhancement only. Without this script the grid is a plain
   formset (rows typed by hand, 「Excelから貼り付け」 read on the server). With it, a block copied
   from Excel (tab-separated rows) pasted into a cell or into the paste box fills the grid, adding
   rows as needed; the server still reads every amount and date and checks the whole batch. */
(function () {
  "use strict";
  var form = document.querySelector("[data-bulk-form]");
  if (!form) { return; }
  var grid = form.querySelector("[data-bulk-grid]");
  var body = grid.querySelector("tbody");
  var template = document.getElementById("bulk-row-template");
  var total = form.querySelector("[name=rows-TOTAL_FORMS]");
  var max = parseInt(form.querySelector("[name=rows-MAX_NUM_FORMS]").value, 10);
  var status = form.querySelector("[data-bulk-status]");
  var addButton = form.querySelector("[data-bulk-add]");
  var pasteBox = form.querySelector("[name=pasted]");
  var columns = ["budget", "category", "amount", "spent_on", "description"];
  var english = (document.documentElement.lang || "ja").indexOf("en") === 0;

  /* Rows × columns of a spreadsheet's clipboard text (the server's cluster_portal.text.parse_tsv). */
  function parseTsv(text) {
    text = (text || "").replace(/\r\n?/g, "\n");
    var rows = [], row = [], cell = "", quoted = false, start = true;
    for (var i = 0; i < text.length; i++) {
      var c = text.charAt(i);
      if (quoted) {
        if (c === "\"" && text.charAt(i + 1) === "\"") { cell += "\""; i++; }
        else if (c === "\"") { quoted = false; }
        else { cell += c; }
      } else if (c === "\"" && start) { quoted = true; start = false; }
      else if (c === "\t") { row.push(cell); cell = ""; start = true; }
      else if (c === "\n") { row.push(cell); rows.push(row); row = []; cell = ""; start = true; }
      else { cell += c; start = false; }
    }
    if (cell || row.length) { row.push(cell); rows.push(row); }
    return rows.map(function (r) { return r.map(function (v) { return v.trim(); }); })
      .filter(function (r) { return r.some(function (v) { return v !== ""; }); });
  }

  function norm(s) { return (s || "").normalize("NFKC").replace(/\s+/g, " ").trim(); }

  function rowCount() { return parseInt(total.value, 10); }

  function addRow() {
    var index = rowCount();
    if (index >= max) { return false; }
    var html = template.innerHTML.replace(/__prefix__/g, String(index)).replace(/__row__/g, String(index + 1));
    body.insertAdjacentHTML("beforeend", html);
    total.value = String(index + 1);
    return true;
  }

  function cell(index, name) { return form.querySelector("[name='rows-" + index + "-" + name + "']"); }

  function setValue(el, value) {
    if (el.tagName === "SELECT") {
      var key = norm(value), found = null, i;
      for (i = 0; i < el.options.length && found === null; i++) {
        if (key && (norm(el.options[i].value) === key || norm(el.options[i].text) === key)) { found = el.options[i].value; }
      }
      for (i = 0; i < el.options.length && found === null; i++) {
        if (key && norm(el.options[i].text).indexOf(key + " ") === 0) { found = el.options[i].value; }
      }
      if (found === null && key) {  /* kept as pasted: the server names it in its message */
        var option = document.createElement("option");
        option.value = value; option.text = value;
        el.add(option); found = value;
      }
      el.value = found === null ? "" : found;
    } else {
      el.value = value;
    }
  }

  function rowIsEmpty(index) {
    return columns.every(function (name) { var el = cell(index, name); return !el || !el.value; });
  }

  function firstEmptyRow() {
    for (var i = 0; i < rowCount(); i++) { if (rowIsEmpty(i)) { return i; } }
    return rowCount();
  }

  function fill(rows, start, column) {
    var filled = 0;
    for (var r = 0; r < rows.length; r++) {
      var index = start + r;
      while (index >= rowCount()) { if (!addRow()) { break; } }
      if (index >= rowCount()) { break; }
      for (var c = 0; c < rows[r].length; c++) {
        var name = columns[column + c];
        var el = name && cell(index, name);
        if (el) { setValue(el, rows[r][c]); }
      }
      filled++;
    }
    status.textContent = english
      ? filled + " row(s) pasted into the table. Check them and press Register."
      : filled + "行を表に貼り付けました。内容を確認して「登録する」を押してください。";
    return filled;
  }

  function clipboardText(event) {
    var data = event.clipboardData || window.clipboardData;
    return data ? data.getData("text/plain") || data.getData("text") : "";
  }

  grid.addEventListener("paste", function (event) {
    var match = /^rows-(\d+)-(\w+)$/.exec(event.target.name || "");
    if (!match) { return; }
    var text = clipboardText(event);
    if (text.indexOf("\t") < 0 && text.replace(/\n+$/, "").indexOf("\n") < 0) { return; }  /* one cell */
    event.preventDefault();
    var column = columns.indexOf(match[2]);
    fill(parseTsv(text), parseInt(match[1], 10), column < 0 ? 0 : column);
  });

  if (pasteBox) {
    pasteBox.addEventListener("paste", function (event) {
      var rows = parseTsv(clipboardText(event));
      if (!rows.length) { return; }
      event.preventDefault();
      fill(rows, firstEmptyRow(), 0);
    });
  }

  if (addButton) {
    addButton.hidden = false;
    addButton.addEventListener("click", function () {
      if (addRow()) { cell(rowCount() - 1, columns[0]).focus(); }
    });
  }
})();
