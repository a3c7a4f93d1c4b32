// 扣分检索: filter a year's ledger rows (deductions.json beside the page) by
// unit, rubric, item and keyword. Plain ES5 with XMLHttpRequest, because some
// readers use old office browsers. Every piece of data is inserted with
// textContent, never as HTML.
(function () {
  "use strict";

  // Rows shown at once; the count above the table says how many match.
  var LIMIT = 200;

  function text(tag, value, className) {
    var node = document.createElement(tag);
    node.textContent = value;
    if (className) {
      node.className = className;
    }
    return node;
  }

  function words(value) {
    return value.replace(/^\s+|\s+$/g, "").split(/\s+/).filter(function (word) {
      return word !== "";
    });
  }

  function pad(number) {
    return number < 10 ? "0" + number : String(number);
  }

  function Finder(root, data) {
    this.root = root;
    this.data = data;
    this.form = root.querySelector("form");
    this.status = root.querySelector(".dmsite-deductions-status");
    this.body = root.querySelector("tbody");
    // One lower-cased search string per unit (id and name).
    this.unitText = data.units.map(function (unit) {
      return (unit[0] + " " + unit[1]).toLowerCase();
    });
  }

  Finder.prototype.fillRubrics = function () {
    var select = this.form.elements.rubric;
    this.data.rubrics.forEach(function (rubric, index) {
      var option = text("option", rubric[1] + "：" + rubric[2]);
      option.value = String(index);
      select.appendChild(option);
    });
  };

  Finder.prototype.query = function () {
    var elements = this.form.elements;
    return {
      unit: words(elements.unit.value.toLowerCase()),
      rubric: elements.rubric.value,
      // Not "item": form.elements.item is the collection's own method.
      item: elements.code.value.replace(/\s+/g, ""),
      keywords: words(elements.q.value)
    };
  };

  Finder.prototype.matches = function (row, query) {
    var data = this.data;
    var item = data.items[row[1]];
    var index;
    if (query.rubric !== "" && String(item[0]) !== query.rubric) {
      return false;
    }
    // "1.2" finds 1.2 and 1.2.x, not 1.20.
    if (query.item !== "" && item[1] !== query.item && item[1].indexOf(query.item + ".") !== 0) {
      return false;
    }
    for (index = 0; index < query.unit.length; index += 1) {
      if (this.unitText[row[0]].indexOf(query.unit[index]) === -1) {
        return false;
      }
    }
    for (index = 0; index < query.keywords.length; index += 1) {
      if (data.reasons[row[4]].indexOf(query.keywords[index]) === -1) {
        return false;
      }
    }
    return true;
  };

  Finder.prototype.renderRow = function (row) {
    var data = this.data;
    var unit = data.units[row[0]];
    var item = data.items[row[1]];
    var rubric = data.rubrics[item[0]];
    var tr = document.createElement("tr");
    var unitCell = document.createElement("td");
    var link = text("a", unit[1]);
    var sign = row[2].charAt(0) === "+" ? "+" : "−";
    link.setAttribute("href", data.unit_href.replace("{id}", encodeURIComponent(unit[0])));
    unitCell.appendChild(link);
    tr.appendChild(unitCell);
    tr.appendChild(text("td", rubric[1]));
    tr.appendChild(text("td", item[1]));
    tr.appendChild(text("td", sign + row[2].slice(1), "dmsite-number"));
    tr.appendChild(text("td", row[3], "dmsite-number"));
    tr.appendChild(text("td", data.reasons[row[4]]));
    tr.appendChild(text("td", row[5] ? Math.floor(row[5] / 10000) + "-" + pad(Math.floor(row[5] / 100) % 100) + "-" + pad(row[5] % 100) : "",
                        "dmsite-date"));
    tr.appendChild(text("td", data.statuses[row[6]]));
    return tr;
  };

  Finder.prototype.update = function () {
    var query = this.query();
    var rows = this.data.rows;
    var shown = document.createDocumentFragment();
    var found = 0;
    var index;
    for (index = 0; index < rows.length; index += 1) {
      if (this.matches(rows[index], query)) {
        found += 1;
        if (found <= LIMIT) {
          shown.appendChild(this.renderRow(rows[index]));
        }
      }
    }
    while (this.body.firstChild) {
      this.body.removeChild(this.body.firstChild);
    }
    this.body.appendChild(shown);
    if (found === 0) {
      this.status.textContent = "没有符合条件的记录。";
    } else if (found > LIMIT) {
      this.status.textContent = "共 " + found + " 条符合条件的记录，显示前 " + LIMIT + " 条；请增加条件缩小范围。";
    } else {
      this.status.textContent = "共 " + found + " 条符合条件的记录。";
    }
  };

  Finder.prototype.start = function () {
    var finder = this;
    var timer = null;
    var params = window.location.search.replace(/^\?/, "").split("&");
    this.fillRubrics();
    // A link such as deductions/?q=台账 opens with the query filled in.
    params.forEach(function (pair) {
      var parts = pair.split("=");
      var field = finder.form.elements[decodeURIComponent(parts[0] || "")];
      if (field && parts.length === 2 && field.tagName === "INPUT") {
        field.value = decodeURIComponent(parts[1].replace(/\+/g, " "));
      }
    });
    function later() {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        finder.update();
      }, 150);
    }
    this.form.addEventListener("input", later);
    this.form.addEventListener("change", later);
    this.form.addEventListener("submit", function (event) {
      event.preventDefault();
      finder.update();
    });
    this.update();
  };

  function load(root) {
    var status = root.querySelector(".dmsite-deductions-status");
    var request = new XMLHttpRequest();
    request.open("GET", root.getAttribute("data-src"));
    request.onload = function () {
      if (request.status !== 200) {
        status.textContent = "无法载入记录（HTTP " + request.status + "），请刷新页面重试。";
        return;
      }
      new Finder(root, JSON.parse(request.responseText)).start();
    };
    request.onerror = function () {
      status.textContent = "无法载入记录，请检查网络后刷新页面重试。";
    };
    status.textContent = "正在载入记录……";
    request.send();
  }

  var roots = document.querySelectorAll(".dmsite-deductions");
  Array.prototype.forEach.call(roots, load);
})();
