// Dashboard charts, drawn with the vendored Chart.js from the figures the page carries
// in a JSON element (json_script): no inline script, so a Content-Security-Policy can forbid it.
// The tables are the source of truth; a click on a bar or point opens the cases behind it.
(function () {
  "use strict";
  var source = document.getElementById("dashboard-charts");
  if (!source || typeof window.Chart === "undefined") return;
  var payload = JSON.parse(source.textContent);
  var keys = Object.keys(payload.series);
  var colours = { success_rate: "#0b5cad", completion_rate: "#3ebd93" };
  var reduced = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  function percent(value) {
    return value === null || value === undefined ? "—" : value.toFixed(1) + "%";
  }

  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var chart = payload.charts[canvas.dataset.chart];
    if (!chart) return;
    var line = canvas.dataset.type === "line";
    new window.Chart(canvas, {
      type: line ? "line" : "bar",
      data: {
        labels: chart.labels,
        datasets: keys.map(function (key) {
          return {
            label: payload.series[key],
            data: chart.data[key],
            backgroundColor: colours[key] || "#7b8794",
            borderColor: colours[key] || "#7b8794",
            borderWidth: line ? 2 : 0,
            pointRadius: line ? 3 : undefined,
            tension: 0.2,
            spanGaps: false
          };
        })
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: reduced ? false : { duration: 400 },
        scales: {
          y: { min: 0, max: 100, ticks: { callback: function (value) { return value + "%"; } } }
        },
        plugins: {
          legend: { position: "bottom" },
          tooltip: {
            callbacks: {
              label: function (context) {
                return context.dataset.label + ": " + percent(context.parsed.y);
              }
            }
          }
        },
        onHover: function (event, elements) {
          event.native.target.style.cursor = elements.length ? "pointer" : "default";
        },
        onClick: function (event, elements) {
          if (!elements.length) return;
          var key = keys[elements[0].datasetIndex];
          var link = (chart.links[key] || [])[elements[0].index];
          if (link) window.location.assign(link);
        }
      }
    });
  });
})();
