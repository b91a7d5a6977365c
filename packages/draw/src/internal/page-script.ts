/**
 * The page's only script, inline (the page loads nothing). It reads the drawing's data from the
 * JSON script tag with textContent + JSON.parse, and writes names into the page only through
 * textContent and setAttribute, never as markup. The Content-Security-Policy pins this exact
 * text by its hash, so no other script can run.
 */
export const PAGE_SCRIPT = String.raw`
"use strict";
(function () {
  var data = JSON.parse(document.getElementById("eventloom-data").textContent);
  var svg = document.getElementById("canvas");
  var viewport = document.getElementById("viewport");
  var details = document.getElementById("panel-details");
  var overview = document.getElementById("panel-default");
  var panel = document.getElementById("panel");
  var els = {};
  Array.prototype.forEach.call(document.querySelectorAll("[data-id]"), function (el) {
    (els[el.getAttribute("data-id")] = els[el.getAttribute("data-id")] || []).push(el);
  });
  var view = { x: 0, y: 0, k: 1 };
  var key = "";
  var layout = data.layouts[key];
  var collapsed = {};
  var selected = null;

  svg.removeAttribute("viewBox");

  function setView(x, y, k) {
    view = { x: x, y: y, k: k };
    viewport.setAttribute("transform", "translate(" + x + "," + y + ") scale(" + k + ")");
  }
  function fit() {
    var r = svg.getBoundingClientRect();
    var pad = 16;
    // Keep clear of the floating panel when it is open and the window is wide enough.
    var inset = !panel.hidden && r.width > 900 ? panel.offsetWidth + 28 : 0;
    var width = r.width - inset;
    var k = Math.min((width - 2 * pad) / layout.width, (r.height - 2 * pad) / layout.height, 1.15);
    k = Math.max(k, 0.05);
    setView((width - layout.width * k) / 2, (r.height - layout.height * k) / 2, k);
  }
  function zoomAt(px, py, factor) {
    var k = Math.min(6, Math.max(0.05, view.k * factor));
    var f = k / view.k;
    setView(px - (px - view.x) * f, py - (py - view.y) * f, k);
  }
  function zoomCentre(factor) {
    var r = svg.getBoundingClientRect();
    zoomAt(r.width / 2, r.height / 2, factor);
  }

  svg.addEventListener("wheel", function (e) {
    e.preventDefault();
    var r = svg.getBoundingClientRect();
    var unit = e.deltaMode === 1 ? 0.05 : e.deltaMode === 2 ? 1 : 0.0015;
    zoomAt(e.clientX - r.left, e.clientY - r.top, Math.exp(-e.deltaY * unit));
  }, { passive: false });

  var drag = null;
  svg.addEventListener("pointerdown", function (e) {
    if (e.button !== 0 || e.target.closest(".node, .toggle")) return;
    drag = { id: e.pointerId, x: e.clientX, y: e.clientY, vx: view.x, vy: view.y, moved: false };
    svg.setPointerCapture(e.pointerId);
    svg.classList.add("dragging");
  });
  svg.addEventListener("pointermove", function (e) {
    if (!drag || e.pointerId !== drag.id) return;
    var dx = e.clientX - drag.x;
    var dy = e.clientY - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 3) drag.moved = true;
    setView(drag.vx + dx, drag.vy + dy, view.k);
  });
  function endDrag(e) {
    if (!drag || e.pointerId !== drag.id) return;
    if (!drag.moved) select(null);
    drag = null;
    svg.classList.remove("dragging");
  }
  svg.addEventListener("pointerup", endDrag);
  svg.addEventListener("pointercancel", endDrag);

  function itemId(el) {
    return el.getAttribute("data-id");
  }
  svg.addEventListener("click", function (e) {
    var toggle = e.target.closest(".toggle");
    if (toggle) { toggleGroup(toggle.getAttribute("data-group")); return; }
    var node = e.target.closest(".node");
    if (node) select(itemId(node));
  });
  svg.addEventListener("keydown", function (e) {
    var node = e.target.closest && e.target.closest(".node");
    if (node && (e.key === "Enter" || e.key === " ")) { e.preventDefault(); select(itemId(node)); }
  });
  svg.addEventListener("mouseover", function (e) {
    var node = e.target.closest(".node");
    if (node) focusOn(itemId(node));
  });
  svg.addEventListener("mouseout", function (e) {
    var node = e.target.closest(".node");
    if (node && !(e.relatedTarget && node.contains(e.relatedTarget))) focusOn(null);
  });

  function focusOn(id) {
    Array.prototype.forEach.call(svg.querySelectorAll(".hl"), function (el) { el.classList.remove("hl"); });
    if (id === null) { svg.classList.remove("focusing"); return; }
    svg.classList.add("focusing");
    mark(id);
    data.edges.forEach(function (e) {
      var from = owner(e.from), to = owner(e.to);
      if (from === id || to === id) { mark(e.id); mark(from); mark(to); }
    });
  }
  function mark(id) {
    (els[id] || []).forEach(function (el) { el.classList.add("hl"); });
  }
  // The box that shows an item under the current collapse state.
  function owner(id) {
    if (layout.nodes[id]) return id;
    var g = data.groupOf[id];
    var shown = null;
    while (g) { if (collapsed[g]) shown = g; g = data.parentOf[g]; }
    return shown || id;
  }

  function select(id) {
    if (selected) (els[selected] || []).forEach(function (el) { el.classList.remove("selected"); });
    selected = id && data.details[id] ? id : null;
    details.textContent = "";
    if (!selected) {
      details.hidden = true;
      overview.hidden = false;
      if (data.mode !== "execution") panel.hidden = true;
      return;
    }
    panel.hidden = false;
    (els[selected] || []).forEach(function (el) { el.classList.add("selected"); });
    var d = data.details[selected];
    overview.hidden = true;
    details.hidden = false;
    add(details, "h2", d.kind);
    add(details, "h3", d.title);
    if (d.rows.length) {
      var dl = add(details, "dl");
      d.rows.forEach(function (row) { add(dl, "dt", row[0]); add(dl, "dd", row[1]); });
    }
    if (d.fields) {
      add(details, "h4", "Fields");
      if (d.fields.length === 0) add(details, "p", "none").className = "hint";
      else {
        var table = add(details, "table");
        d.fields.forEach(function (f) { var tr = add(table, "tr"); add(tr, "td", f[0]); add(tr, "td", f[1]); });
      }
    }
    if (d.note) add(details, "p", d.note).className = "note";
  }
  function add(parent, tag, text) {
    var el = document.createElement(tag);
    if (text !== undefined) el.textContent = text;
    parent.appendChild(el);
    return el;
  }

  function toggleGroup(id) {
    var next = {};
    Object.keys(collapsed).forEach(function (g) { next[g] = true; });
    if (next[id]) delete next[id]; else next[id] = true;
    var k = data.groupIds.map(function (g, i) { return next[g] ? i : -1; })
      .filter(function (i) { return i >= 0; }).join(",");
    if (!data.layouts[k]) {
      // Too many groups to lay out every combination: switch them all together.
      var all = !collapsed[id];
      next = {};
      if (all) data.groupIds.forEach(function (g) { next[g] = true; });
      k = all ? data.groupIds.map(function (_, i) { return i; }).join(",") : "";
    }
    collapsed = next;
    applyLayout(k);
  }
  function setAll(collapse) {
    collapsed = {};
    if (collapse) data.groupIds.forEach(function (g) { collapsed[g] = true; });
    applyLayout(collapse ? data.groupIds.map(function (_, i) { return i; }).join(",") : "");
  }

  function show(el, visible) {
    if (visible) el.removeAttribute("display"); else el.setAttribute("display", "none");
  }
  function applyLayout(k) {
    key = k;
    layout = data.layouts[k];
    Object.keys(layout.nodes).forEach(function (id) {
      var b = layout.nodes[id];
      (els[id] || []).forEach(function (el) {
        show(el, !!b);
        if (b) el.setAttribute("transform", "translate(" + b.x + "," + b.y + ")");
      });
    });
    Object.keys(layout.groups).forEach(function (id) {
      var b = layout.groups[id];
      (els[id] || []).forEach(function (el) {
        var isBox = el.classList.contains("group-box");
        var visible = !!b && (isBox ? b.collapsed : !b.collapsed);
        show(el, visible);
        if (!visible) return;
        if (isBox) { el.setAttribute("transform", "translate(" + b.x + "," + b.y + ")"); return; }
        var frame = el.querySelector(".frame");
        frame.setAttribute("x", b.x - b.w / 2);
        frame.setAttribute("y", b.y - b.h / 2);
        frame.setAttribute("width", b.w);
        frame.setAttribute("height", b.h);
        el.querySelector(".group-header").setAttribute("transform", "translate(" + (b.x - b.w / 2 + 10) + "," + (b.y - b.h / 2 + 8) + ")");
      });
    });
    Object.keys(layout.edges).forEach(function (id) {
      var r = layout.edges[id];
      (els[id] || []).forEach(function (el) {
        show(el, !!r);
        if (!r) return;
        el.querySelector("path").setAttribute("d", r.d);
        var label = el.querySelector(".edge-label");
        if (label && r.lx !== undefined) label.setAttribute("transform", "translate(" + r.lx + "," + r.ly + ")");
      });
    });
    var all = document.querySelector('[data-action="toggle-all"]');
    if (all) all.textContent = Object.keys(collapsed).length === data.groupIds.length ? "Expand all" : "Collapse all";
    if (selected && !layout.nodes[selected] && !layout.groups[selected]) select(null);
  }

  document.querySelector(".controls").addEventListener("click", function (e) {
    var b = e.target.closest("button");
    if (!b) return;
    var action = b.getAttribute("data-action");
    if (action === "zoom-in") zoomCentre(1.25);
    else if (action === "zoom-out") zoomCentre(0.8);
    else if (action === "reset") fit();
    else if (action === "timeline") { select(null); panel.hidden = false; }
    else if (action === "toggle-all") setAll(Object.keys(collapsed).length !== data.groupIds.length);
  });
  document.addEventListener("keydown", function (e) {
    if (e.target.closest && e.target.closest("input, textarea")) return;
    if (e.key === "+" || e.key === "=") zoomCentre(1.25);
    else if (e.key === "-") zoomCentre(0.8);
    else if (e.key === "0") fit();
    else if (e.key === "Escape") select(null);
  });
  panel.querySelector(".close").addEventListener("click", function () {
    select(null);
    panel.hidden = true;
  });
  Array.prototype.forEach.call(document.querySelectorAll("#panel-default [data-select]"), function (el) {
    el.addEventListener("click", function () { select(el.getAttribute("data-select")); });
  });

  fit();
  document.body.setAttribute("data-ready", "true");
})();
`;
