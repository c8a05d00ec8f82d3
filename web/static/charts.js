// The desk's charts: the page carries each series as JSON; Chart.js (vendored) draws them.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("chart-data").textContent);
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var chart = data[canvas.getAttribute("data-chart")];
    if (!chart) return;
    new Chart(canvas, {
      type: chart.type,
      data: {
        labels: chart.labels,
        datasets: chart.datasets.map(function (d) {
          return {
            label: d.label, data: d.data, borderColor: d.color, backgroundColor: d.color,
            spanGaps: true, tension: 0.2, pointRadius: 3,
          };
        }),
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
        plugins: { legend: { position: "bottom" } },
      },
    });
  });
})();
