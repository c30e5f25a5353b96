// trk map's page script (written for trk, embedded by cmake/embed-text.cmake): pan, zoom, details, tiles.
(function () {
  'use strict';
  var svg = document.getElementById('trk-map');
  var data = JSON.parse(document.getElementById('trk-data').textContent);
  var home = data.view.slice(), view = home.slice();
  var lod = document.getElementById('lod'), details = document.getElementById('details');
  var bar = document.getElementById('scale-bar'), barText = document.getElementById('scale-text');
  var pending = false, pinned = null, shown = null, tileKey = '', tracks = [];
  var drawn = view.slice(), settle = 0;

  // The map's box on screen (its container's: the SVG's own box moves with a preview transform).
  function box() { return svg.parentNode.getBoundingClientRect(); }
  // Metres per screen pixel of the view (the viewBox is fitted inside the box, centred).
  function mpp() {
    var r = box();
    return Math.max(view[2] / (r.width || 1), view[3] / (r.height || 1));
  }
  function draw() {
    pending = false;
    clearTimeout(settle);
    drawn = view.slice();
    svg.style.transform = '';
    svg.setAttribute('viewBox', view.join(' '));
    var m = mpp(), hide = [];
    svg.style.setProperty('--px', m);
    // Labels of fences smaller than 40 pixels hide (class lN: size under 2^(N-9) m).
    for (var n = 0; n <= 40 && Math.pow(2, n - 9) / m < 40; n++) hide.push('#trk-map .l' + n);
    lod.textContent = hide.length ? hide.join(',') + '{display:none}' : '';
    // The scale bar: the largest 1, 2 or 5 x 10^n metres within 150 pixels.
    var most = 150 * m, p = Math.pow(10, Math.floor(Math.log10(most))), s = p;
    if (5 * p <= most) s = 5 * p; else if (2 * p <= most) s = 2 * p;
    bar.style.width = (s / m).toFixed(1) + 'px';
    barText.textContent = s >= 1000 ? +(s / 1000).toPrecision(3) + ' km' : +s.toPrecision(3) + ' m';
    if (data.tiles) tiles(m);
  }
  function later() {
    if (!pending) { pending = true; requestAnimationFrame(draw); }
  }
  // A pan or zoom first moves the picture already drawn (a CSS transform of the SVG, which the
  // browser composites without repainting it) and draws it anew once the hand rests: a map of a
  // million fixes takes a second or more to repaint, once per gesture rather than per wheel tick.
  function preview() {
    var m = mpp(), s = drawn[2] / view[2];
    var tx = (drawn[0] + drawn[2] / 2 - view[0] - view[2] / 2) / m;
    var ty = (drawn[1] + drawn[3] / 2 - view[1] - view[3] / 2) / m;
    svg.style.transform = 'translate(' + tx + 'px,' + ty + 'px) scale(' + s + ')';
    clearTimeout(settle);
    settle = setTimeout(later, 150);
  }
  // Zooms by f (> 1: in) about the map point (x, y), the middle by default.
  function zoom(f, x, y) {
    if (x === undefined) { x = view[0] + view[2] / 2; y = view[1] + view[3] / 2; }
    var w = view[2] / f;
    if (w < home[2] / 1e5 || w > home[2] * 50) return;
    view = [x - (x - view[0]) / f, y - (y - view[1]) / f, w, view[3] / f];
    preview();
  }
  function pan(dx, dy) { view[0] += dx; view[1] += dy; preview(); }
  function reset() { view = home.slice(); later(); }
  // The map point under the pointer, in the view asked for (drawn or still a preview).
  function mapPoint(e) {
    var r = box(), m = mpp();
    return { x: view[0] + view[2] / 2 + (e.clientX - r.left - r.width / 2) * m,
             y: view[1] + view[3] / 2 + (e.clientY - r.top - r.height / 2) * m };
  }

  // A track's kept points, decoded once: the path's relative coordinates and the data's columns.
  function expand(runs) {
    var out = [];
    for (var i = 0; i < runs.length; i += 2) for (var k = 0; k < runs[i + 1]; k++) out.push(runs[i]);
    return out;
  }
  function track(i) {
    if (tracks[i]) return tracks[i];
    var t = data.tracks[i], path = svg.querySelector('path.track[data-i="' + i + '"]');
    var c = path.getAttribute('d').replace(/[Mlh]/g, ' ').trim().split(/[ ,]+/).map(Number);
    var z = expand(t.z), sp = expand(t.sp), pts = [], x = 0, y = 0, time = t.t0, num = 0;
    for (var j = 0; j < t.dt.length; j++) {
      x += c[2 * j] || 0; y += c[2 * j + 1] || 0; time += t.dt[j];
      if (t.sn[j] !== null) num += t.sn[j];
      pts.push({ x: x, y: y, time: time, speed: t.v ? t.v[j] : null, zones: data.zones[z[j]],
                 src: data.src[sp[j]] + (t.sn[j] === null ? '' : num) });
    }
    return (tracks[i] = pts);
  }
  function nearest(i, e) {
    var p = mapPoint(e), pts = track(i), best = pts[0], d = Infinity;
    for (var j = 0; j < pts.length; j++) {
      var dx = pts[j].x - p.x, dy = pts[j].y - p.y;
      if (dx * dx + dy * dy < d) { d = dx * dx + dy * dy; best = pts[j]; }
    }
    return best;
  }

  // Details of the element under the pointer, from its data-* attributes (text only, never HTML).
  function show(el, e) {
    var rows = [], k;
    if (!el) { details.replaceChildren(); return; }
    var kind = el.getAttribute('class').split(' ')[0];
    rows.push([kind, el.dataset.id || el.dataset.asset || el.dataset.event]);
    if (kind === 'track') {
      var pt = nearest(+el.dataset.i, e);
      rows.push(['time', new Date(pt.time).toISOString()]);
      if (pt.speed !== null && pt.speed !== undefined) rows.push(['speed', pt.speed + ' m/s']);
      rows.push(['zones', pt.zones.join(', ') || '\u2014'], ['src', pt.src]);
    }
    for (k in el.dataset) if (k !== 'i' && k !== 'id') rows.push([k, el.dataset[k]]);
    var dl = document.createElement('dl');
    rows.forEach(function (r) {
      var dt = document.createElement('dt'), dd = document.createElement('dd');
      dt.textContent = r[0]; dd.textContent = r[1];
      dl.append(dt, dd);
    });
    details.replaceChildren(dl);
  }
  var things = '.fence,.track,.asset,.reader,.event,.audit';

  // One listener of each kind for the whole map, however many elements it holds.
  var drag = null;
  svg.addEventListener('pointerdown', function (e) {
    drag = { x: e.clientX, y: e.clientY, view: view.slice(), m: mpp(), moved: false };
    svg.setPointerCapture(e.pointerId);
  });
  svg.addEventListener('pointermove', function (e) {
    if (drag) {
      var dx = e.clientX - drag.x, dy = e.clientY - drag.y;
      if (Math.abs(dx) + Math.abs(dy) > 3) drag.moved = true;
      if (drag.moved) {
        view[0] = drag.view[0] - dx * drag.m; view[1] = drag.view[1] - dy * drag.m;
        preview();
      }
      return;
    }
    if (pinned) return;
    var el = e.target.closest(things);
    if (el !== shown || (el && el.classList.contains('track'))) { shown = el; show(el, e); }
  });
  svg.addEventListener('pointerup', function (e) {
    var click = drag && !drag.moved;
    drag = null;
    if (!click) return;
    var el = document.elementFromPoint(e.clientX, e.clientY);
    pinned = el && el.closest ? el.closest(things) : null;
    show(pinned, e);
  });
  svg.addEventListener('wheel', function (e) {
    e.preventDefault();
    var p = mapPoint(e);
    zoom(e.deltaY < 0 ? 1.25 : 0.8, p.x, p.y);
  }, { passive: false });
  document.getElementById('controls').addEventListener('click', function (e) {
    var act = e.target.dataset.act;
    if (act === 'in') zoom(1.5); else if (act === 'out') zoom(1 / 1.5); else if (act === 'reset') reset();
  });
  document.addEventListener('keydown', function (e) {
    var step = view[2] / 10;
    switch (e.key) {
      case '+': case '=': zoom(1.5); break;
      case '-': case '_': zoom(1 / 1.5); break;
      case '0': case 'Home': reset(); break;
      case 'ArrowLeft': pan(-step, 0); break;
      case 'ArrowRight': pan(step, 0); break;
      case 'ArrowUp': pan(0, -step); break;
      case 'ArrowDown': pan(0, step); break;
      default: return;
    }
    e.preventDefault();
  });
  window.addEventListener('resize', later);

  // XYZ tiles (Web Mercator) behind the fences, their corners taken to the local plane.
  function tiles(m) {
    var P = data.proj, R = Math.PI / 180;
    var north = Math.min(85, P.lat0 - view[1] / P.mlat), south = Math.max(-85, P.lat0 - (view[1] + view[3]) / P.mlat);
    var west = P.lon0 + view[0] / P.mlon, east = P.lon0 + (view[0] + view[2]) / P.mlon;
    var z = Math.round(Math.log2(40075016.686 * Math.cos(P.lat0 * R) / (256 * m)));
    z = Math.max(0, Math.min(P.maxzoom, z));
    var n = Math.pow(2, z);
    function tx(lon) { return Math.floor((lon + 180) / 360 * n); }
    function ty(lat) { return Math.floor((1 - Math.log(Math.tan(lat * R) + 1 / Math.cos(lat * R)) / Math.PI) / 2 * n); }
    function lonOf(x) { return x / n * 360 - 180; }
    function latOf(y) { return Math.atan(Math.sinh(Math.PI * (1 - 2 * y / n))) / R; }
    var x1 = tx(west), x2 = tx(east), y1 = Math.max(0, ty(north)), y2 = Math.min(n - 1, ty(south));
    var key = [z, x1, x2, y1, y2].join();
    if (key === tileKey || (x2 - x1 + 1) * (y2 - y1 + 1) > 64) return;
    tileKey = key;
    var g = document.getElementById('tiles'), all = document.createDocumentFragment();
    for (var x = x1; x <= x2; x++) for (var y = y1; y <= y2; y++) {
      var im = document.createElementNS('http://www.w3.org/2000/svg', 'image');
      var left = (lonOf(x) - P.lon0) * P.mlon, right = (lonOf(x + 1) - P.lon0) * P.mlon;
      var top = (latOf(y) - P.lat0) * P.mlat, bottom = (latOf(y + 1) - P.lat0) * P.mlat;
      im.setAttribute('x', left); im.setAttribute('y', -top);
      im.setAttribute('width', right - left); im.setAttribute('height', top - bottom);
      im.setAttribute('preserveAspectRatio', 'none');
      im.setAttribute('href', data.tiles.replace('{z}', z).replace('{x}', ((x % n) + n) % n)
        .replace('{y}', y).replace('{s}', 'abc'[(x + y) % 3]));
      all.appendChild(im);
    }
    g.replaceChildren(all);
  }

  draw();
})();
