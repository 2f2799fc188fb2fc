// Renders every chart on the page from the option JSON the server built,
// and drills down to the tickets behind a bar, point or cell on click.
(function () {
  function render() {
    if (typeof echarts === "undefined") return;
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      if (el.dataset.rendered) return;
      var src = document.getElementById(el.dataset.chart);
      if (!src) return;
      var option = JSON.parse(src.textContent);
      // The server sizes charts to their data (a bar per technician).
      if (option.aftersalesHeight) {
        el.style.height = option.aftersalesHeight + "px";
        delete option.aftersalesHeight;
      }
      // The locale names things in ECharts' own texts, the screen reader's
      // description of the chart among them.
      var zh = (document.documentElement.lang || "").indexOf("zh") === 0;
      var chart = echarts.init(el, null, { renderer: "svg", locale: zh ? "ZH" : "EN" });
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
      if (!el.classList.contains("spark")) addDownloads(el, chart, option);
      el.dataset.rendered = "1";
    });
  }
  // Every chart offers its picture (PNG) and its data points (CSV). The
  // labels come from the page (body data attributes, in its language).
  function addDownloads(el, chart, option) {
    var labels = document.body.dataset;
    if (!labels.chartPng) return;
    var name = (el.id || "chart") + "-" + new Date().toISOString().slice(0, 10);
    var bar = document.createElement("div");
    bar.className = "chart-downloads";
    var png = link(labels.chartPng, name + ".png", "png");
    var csv = link(labels.chartCsv, name + ".csv", "csv");
    png.addEventListener("click", function (e) {
      if (png.dataset.ready) return; // the second click downloads
      e.preventDefault();
      toPNG(chart, function (url) {
        png.href = url;
        png.dataset.ready = "1";
        png.click();
      });
    });
    csv.addEventListener("click", function () {
      csv.href = "data:text/csv;charset=utf-8," + encodeURIComponent("\ufeff" + toCSV(option));
      csv.dataset.ready = "1";
    });
    bar.appendChild(png);
    bar.appendChild(document.createTextNode(" "));
    bar.appendChild(csv);
    el.insertAdjacentElement("afterend", bar);
  }
  function link(text, file, kind) {
    var a = document.createElement("a");
    a.textContent = text;
    a.href = "#";
    a.download = file;
    a.className = "chart-download-" + kind;
    return a;
  }
  // The SVG renderer's picture drawn on a canvas, twice the size, on white.
  function toPNG(chart, done) {
    var img = new Image();
    img.onload = function () {
      var c = document.createElement("canvas");
      c.width = chart.getWidth() * 2;
      c.height = chart.getHeight() * 2;
      var ctx = c.getContext("2d");
      ctx.fillStyle = "#fff";
      ctx.fillRect(0, 0, c.width, c.height);
      ctx.drawImage(img, 0, 0, c.width, c.height);
      done(c.toDataURL("image/png"));
    };
    img.src = chart.getDataURL({ type: "svg" });
  }
  // One row per data point: series, category (or x / y of a heat map
  // cell), value, and the tickets it counts when the option says.
  function toCSV(option) {
    var axis = function (a) { return (Array.isArray(a) ? a[0] : a) || {}; };
    var x = axis(option.xAxis), y = axis(option.yAxis);
    var cats = x.type === "category" ? x.data || [] : y.data || [];
    var rows = [["series", "category", "value", "tickets", "of"]];
    (option.series || []).forEach(function (s) {
      (s.data || []).forEach(function (d, i) {
        var v = d !== null && typeof d === "object" && !Array.isArray(d) ? d : { value: d };
        var cat = cats[i];
        var val = v.value;
        if (Array.isArray(val)) { // heat map: [x, y, value]
          cat = (x.data || [])[val[0]] + " / " + (y.data || [])[val[1]];
          val = val[2];
        }
        rows.push([s.name || "", cat === undefined ? "" : cat, val === "-" ? "" : val,
          v.count === undefined ? "" : v.count, v.of === undefined ? "" : v.of]);
      });
    });
    return rows.map(function (r) {
      return r.map(function (c) {
        c = String(c);
        return /[",\n]/.test(c) ? '"' + c.replace(/"/g, '""') + '"' : c;
      }).join(",");
    }).join("\r\n") + "\r\n";
  }
  // Charts that htmx swapped in (a filtered page) render too.
  document.addEventListener("htmx:afterSettle", render);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", render);
  else render();
  // A page part htmx swapped in (the voice-of-the-customer filters) brings
  // new charts.
  document.addEventListener("htmx:afterSettle", render);
})();
