/* Charts of the dashboards (POLICY §9): each element with data-chart holds its table's
   figures as JSON; nothing inline, so the Content-Security-Policy stays script-src 'self'. */
(function () {
  "use strict";
  if (!window.echarts) {
    return;
  }
  var COLOURS = ["#b02a37", "#0d6efd", "#fd7e14", "#198754", "#6f42c1", "#20c997",
    "#ffc107", "#6c757d", "#d63384", "#0dcaf0", "#343a40", "#adb5bd"];

  function optionFor(spec, narrow) {
    var many = spec.categories.length > 8;
    // On a phone, or with many units, bars run across so that the names stay readable.
    var across = spec.kind === "bar" && (narrow || many);
    var valueAxis = {
      type: "value",
      max: spec.percent ? 100 : null,
      minInterval: spec.percent ? null : 1,
      axisLabel: { formatter: spec.percent ? "{value}%" : "{value}" }
    };
    var categoryAxis = {
      type: "category",
      data: spec.categories,
      inverse: across,
      axisLabel: { interval: 0, rotate: across ? 0 : (many ? 45 : 0), width: 90, overflow: "truncate" }
    };
    return {
      color: COLOURS,
      animation: false,
      tooltip: { trigger: "axis", confine: true,
        valueFormatter: function (value) {
          if (value === null || value === undefined) { return "—"; }
          return spec.percent ? value.toFixed(1) + "%" : value;
        } },
      legend: { type: "scroll", top: 0 },
      grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
      xAxis: across ? valueAxis : categoryAxis,
      yAxis: across ? categoryAxis : valueAxis,
      series: spec.series.map(function (series) {
        return {
          name: series.name,
          type: spec.kind === "line" ? "line" : "bar",
          stack: spec.stack ? "total" : null,
          data: series.data,
          connectNulls: false
        };
      })
    };
  }

  function draw(element) {
    var spec;
    try {
      spec = JSON.parse(element.getAttribute("data-chart"));
    } catch (error) {
      return;
    }
    var narrow = element.clientWidth < 576;
    var across = spec.kind === "bar" && (narrow || spec.categories.length > 8);
    var height = across ? Math.max(220, 26 * spec.categories.length + 60) : 280;
    element.style.height = height + "px";
    var chart = window.echarts.init(element, null, { renderer: "svg" });
    chart.setOption(optionFor(spec, narrow));
    window.addEventListener("resize", function () { chart.resize(); });
  }

  document.querySelectorAll("[data-chart]").forEach(draw);
}());
