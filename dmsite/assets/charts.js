// Draw dmsite's charts with the vendored Apache ECharts, and fill in the print date.
// Each chart's data is JSON inside its container; the same numbers are in the
// table that follows the chart, so the page reads the same without this script.
// Plain ES5, because some readers use old office browsers.
(function () {
  "use strict";

  function number(text) {
    return Number(text);
  }

  function distributionOption(data) {
    return {
      aria: { enabled: true, decal: { show: true } },
      grid: { left: 48, right: 16, top: 24, bottom: 56 },
      tooltip: {
        trigger: "item",
        formatter: function (params) {
          var band = data.bands[params.dataIndex];
          return band.interval + "：" + band.count + " 个单位" +
            (band.units.length ? "<br>" + band.units.map(escapeHtml).join("、") : "");
        }
      },
      xAxis: {
        type: "category",
        name: data.x_name,
        nameLocation: "middle",
        nameGap: 32,
        data: data.bands.map(function (band) { return band.label; })
      },
      yAxis: { type: "value", name: data.y_name, minInterval: 1 },
      series: [{
        name: data.y_name,
        type: "bar",
        barCategoryGap: "10%",
        label: { show: true, position: "top" },
        data: data.bands.map(function (band) { return band.count; })
      }]
    };
  }

  function comparisonOption(data) {
    var names = data.categories.map(function (category) { return category.code + " " + category.name; });
    return {
      aria: { enabled: true, decal: { show: true } },
      legend: { top: 0, data: data.series },
      grid: { left: 48, right: 16, top: 40, bottom: 56 },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      xAxis: {
        type: "category",
        data: names,
        axisLabel: { interval: 0, width: 96, overflow: "truncate" }
      },
      yAxis: { type: "value", name: "得分" },
      series: [
        {
          name: data.series[0],
          type: "bar",
          label: { show: true, position: "top" },
          data: data.categories.map(function (category) { return number(category.score); })
        },
        {
          name: data.series[1],
          type: "bar",
          label: { show: true, position: "top" },
          data: data.categories.map(function (category) { return number(category.average); })
        }
      ]
    };
  }

  function escapeHtml(text) {
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  function drawCharts() {
    if (!window.echarts) {
      return;
    }
    var boxes = document.querySelectorAll(".dmsite-chart");
    Array.prototype.forEach.call(boxes, function (box) {
      if (box.getAttribute("data-drawn")) {
        return;
      }
      var source = box.querySelector('script[type="application/json"]');
      if (!source) {
        return;
      }
      var data = JSON.parse(source.textContent);
      var canvas = document.createElement("div");
      canvas.className = "dmsite-chart__canvas";
      box.appendChild(canvas);
      var chart = window.echarts.init(canvas, null, { renderer: "svg", locale: "ZH" });
      chart.setOption(data.kind === "distribution" ? distributionOption(data) : comparisonOption(data));
      box.setAttribute("data-drawn", "1");
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }

  // The print date is the reader's date when the page is shown or printed, so
  // the built pages themselves carry no date and stay reproducible.
  function fillPrintDate() {
    var today = new Date();
    var text = today.getFullYear() + "-" + pad(today.getMonth() + 1) + "-" + pad(today.getDate());
    Array.prototype.forEach.call(document.querySelectorAll(".dmsite-print-date"), function (node) {
      node.textContent = text;
    });
  }

  function pad(value) {
    return value < 10 ? "0" + value : String(value);
  }

  function setUp() {
    drawCharts();
    fillPrintDate();
  }

  // document$ is the theme's observable of page loads (also after instant navigation).
  if (window.document$) {
    window.document$.subscribe(setUp);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
  window.addEventListener("beforeprint", fillPrintDate);
})();
