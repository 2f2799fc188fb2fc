// Loaded in <head>, before the page is drawn: it marks the document as
// scripted, so the stylesheet may fold the navigation and the filters away
// on small screens only when a button can unfold them again.
document.documentElement.classList.add("js");

// A button with data-toggle="<id>" opens and closes that element. One
// listener on the document also serves content htmx swaps in later.
document.addEventListener("click", (e) => {
  const b = e.target.closest && e.target.closest("[data-toggle]");
  if (!b) return;
  const el = document.getElementById(b.dataset.toggle);
  if (!el) return;
  const open = el.classList.toggle("open");
  b.setAttribute("aria-expanded", open ? "true" : "false");
});

// The header's menus (<details class="nav-group">): opening one closes
// the others, and a click elsewhere or Escape closes them.
document.addEventListener("toggle", (e) => {
  const d = e.target;
  if (!d.classList || !d.classList.contains("nav-group") || !d.open) return;
  document.querySelectorAll("details.nav-group[open]").forEach((o) => { if (o !== d) o.open = false; });
}, true);
document.addEventListener("click", (e) => {
  if (e.target.closest && e.target.closest("details.nav-group")) return;
  document.querySelectorAll("details.nav-group[open]").forEach((o) => { o.open = false; });
});
document.addEventListener("keydown", (e) => {
  if (e.key !== "Escape") return;
  document.querySelectorAll("details.nav-group[open]").forEach((o) => {
    o.open = false;
    if (o.contains(document.activeElement)) o.querySelector("summary").focus();
  });
});

// On a phone a responsive table shows each row as a card, each cell
// headed by its column's name: cells that do not name their column
// themselves take it from the table's header.
function labelCells(root) {
  root.querySelectorAll("table.responsive").forEach((table) => {
    const heads = [];
    table.querySelectorAll("thead tr:first-child th").forEach((th) => {
      for (let i = 0; i < (th.colSpan || 1); i++) heads.push(th.textContent.trim());
    });
    if (!heads.length) return;
    table.querySelectorAll("tbody tr").forEach((tr) => {
      let col = 0;
      for (const td of tr.children) {
        if (!td.hasAttribute("data-label") && heads[col] && col > 0) td.setAttribute("data-label", heads[col]);
        col += td.colSpan || 1;
      }
    });
  });
}
document.addEventListener("DOMContentLoaded", () => labelCells(document));
document.addEventListener("htmx:afterSwap", () => labelCells(document));

// The ticket list's "select this page" box ticks or clears every row.
document.addEventListener("change", (e) => {
  if (e.target.id !== "bulk-page") return;
  document.querySelectorAll("input.bulk-pick").forEach((c) => { c.checked = e.target.checked; });
});

// An htmx answer is drawn in the language of the page it goes into: a
// browser's XHR may send another Accept-Language than its navigation.
document.addEventListener("htmx:configRequest", (e) => {
  const l = document.documentElement.lang;
  if (l) e.detail.headers["Accept-Language"] = l;
});

// A visit's step (on the way, check in, check out) carries the phone's
// position when the browser gives it within a few seconds; otherwise the
// form goes without it, as it does with no script at all. The listener
// captures the submit before htmx sees it on the form, and submits again
// (then to htmx) once the position is in.
document.addEventListener("submit", (e) => {
  const f = e.target;
  if (!f.classList || !f.classList.contains("geo") || f.dataset.located || !navigator.geolocation) return;
  e.preventDefault();
  e.stopPropagation();
  const send = () => { f.dataset.located = "1"; f.requestSubmit ? f.requestSubmit() : f.submit(); };
  navigator.geolocation.getCurrentPosition((p) => {
    f.elements.lat.value = p.coords.latitude.toFixed(6);
    f.elements.lng.value = p.coords.longitude.toFixed(6);
    send();
  }, send, { timeout: 5000, maximumAge: 60000 });
}, true);
