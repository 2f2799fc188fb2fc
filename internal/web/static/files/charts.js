// Renders every chart on the page from the option JSON the server built,
// and drills down to the tickets behind a bar, point or cell on click.
(function () {
  function render() {
    if (typeof echarts === "undefined") return;
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      if (el.dataset.rendered) return;
      var src = document.getElementById(el.dataset.chart);
      if (!src) return;
      var chart = echarts.init(el, null, { renderer: "svg" });
      var option = JSON.parse(src.textContent);
      // On a phone the numbers in a heatmap's cells run into each other;
      // the colours and the tooltip still tell them.
      if (el.clientWidth < 480 && Array.isArray(option.series)) {
        option.series.forEach(function (s) {
          if (s.type === "heatmap" && s.label) s.label.show = false;
        });
      }
      chart.setOption(option);
      chart.on("click", function (p) {
        var url = p.data && p.data.url;
        if (url) window.location.href = url;
      });
      window.addEventListener("resize", function () { chart.resize(); });
      el.dataset.rendered = "1";
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", render);
  else render();
})();
