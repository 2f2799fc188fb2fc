// The customer's drawn signature in the work report: a canvas that
// follows a finger, a pen or a mouse, and writes what was drawn as a PNG
// data URL into the form's hidden input (data-target). Without script the
// canvas stays empty and the typed name is the confirmation. A visit's
// card that htmx swaps in brings a new pad, set up on htmx:load.
(() => {
  const setUp = (root) => root.querySelectorAll("canvas.sigpad").forEach((c) => {
    const input = document.getElementById(c.dataset.target);
    if (!input || c.dataset.ready) return;
    c.dataset.ready = "1";
    const ratio = window.devicePixelRatio || 1;
    c.width = c.clientWidth * ratio;
    c.height = c.clientHeight * ratio;
    const g = c.getContext("2d");
    g.scale(ratio, ratio);
    g.lineWidth = 2.5;
    g.lineCap = "round";
    g.lineJoin = "round";
    g.strokeStyle = "#111";
    // A card that comes back with a refused step keeps what was drawn.
    if (input.value.startsWith("data:image/png;base64,")) {
      const img = new Image();
      img.onload = () => g.drawImage(img, 0, 0, c.clientWidth, c.clientHeight);
      img.src = input.value;
    }
    let down = false;
    const at = (e) => { const r = c.getBoundingClientRect(); return [e.clientX - r.left, e.clientY - r.top]; };
    c.addEventListener("pointerdown", (e) => {
      down = true;
      try { c.setPointerCapture(e.pointerId); } catch (_) { /* a synthetic pointer */ }
      const [x, y] = at(e);
      g.beginPath();
      g.moveTo(x, y);
      g.lineTo(x + 0.1, y + 0.1);
      g.stroke();
      e.preventDefault();
    });
    c.addEventListener("pointermove", (e) => {
      if (!down) return;
      const [x, y] = at(e);
      g.lineTo(x, y);
      g.stroke();
      e.preventDefault();
    });
    const end = () => {
      if (!down) return;
      down = false;
      input.value = c.toDataURL("image/png");
    };
    c.addEventListener("pointerup", end);
    c.addEventListener("pointercancel", end);
    const clear = document.querySelector('button.sig-clear[data-target="' + c.id + '"]');
    if (clear) {
      clear.hidden = false;
      clear.addEventListener("click", () => { g.clearRect(0, 0, c.width, c.height); input.value = ""; });
    }
  });
  setUp(document);
  document.addEventListener("htmx:load", (e) => { if (e.target.querySelectorAll) setUp(e.target); });
})();
