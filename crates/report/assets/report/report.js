// chromacluster report page: builds the map, charts and tables from the JSON data blob.
// Hand-written and dependency-free so the page stays small and works offline.
(function () {
  'use strict';
  var D = JSON.parse(document.getElementById('report-data').textContent);
  var F = D.files;
  var N = F.name.length;
  var P = D.profile_names.length;
  var PAGE = 25;
  var SVGNS = 'http://www.w3.org/2000/svg';
  // Okabe-Ito, the most distinct first; clusters beyond 8 also change the marker shape.
  var PALETTE = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#56B4E9', '#CC79A7', '#F0E442', '#000000'];
  var SHAPES = ['circle', 'square', 'triangle', 'diamond'];
  function color(c) { return PALETTE[c % PALETTE.length]; }
  function shape(c) { return SHAPES[Math.floor(c / PALETTE.length) % SHAPES.length]; }

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    if (attrs) { for (var a in attrs) { if (attrs[a] !== null && attrs[a] !== undefined) e.setAttribute(a, attrs[a]); } }
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }
  function svg(tag, attrs) {
    var e = document.createElementNS(SVGNS, tag);
    for (var a in attrs) e.setAttribute(a, attrs[a]);
    return e;
  }
  function fmt(v, d) { return (v === null || v === undefined) ? '-' : Number(v).toFixed(d); }
  function keyOf(i) { return F.key ? F.key[i] : ''; }
  function srcOf(i) { return (F.clip && F.clip[i]) ? F.clip[i] : F.src[i]; }
  function profileOf(i) { return F.profile.slice(i * P, (i + 1) * P); }

  // ---- summary ----
  document.title = D.title;
  document.getElementById('title').textContent = D.title;
  document.getElementById('generator').textContent = 'Written by ' + D.generator + '.';
  var facts = document.getElementById('facts');
  function fact(name, value) { facts.appendChild(el('dt', null, name)); facts.appendChild(el('dd', null, value)); }
  fact('files', N + ' clustered' + (D.failures.length ? ', ' + D.failures.length + ' failed' : ''));
  fact('clusters', String(D.k));
  fact('how k was chosen', D.chosen);
  D.settings.forEach(function (s) { fact(s[0], s[1]); });
  if (F.clip) {
    var embedded = F.clip.filter(function (c) { return c; }).length;
    fact('audio', embedded + ' clip(s) embedded in the page' + (embedded < N ? ', the other files linked' : ''));
  } else {
    fact('audio', 'players link to the files, relative to this page');
  }

  function lineChart(title, points, best, yName) {
    var W = 300, H = 190, L = 52, R = 12, T = 24, B = 34;
    var s = svg('svg', { width: W, height: H, viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-label': title });
    var t = svg('title', {}); t.textContent = title; s.appendChild(t);
    var pts = points.filter(function (p) { return p[1] !== null && p[1] !== undefined; });
    if (!pts.length) return s;
    var xs = pts.map(function (p) { return p[0]; }), ys = pts.map(function (p) { return p[1]; });
    var x0 = Math.min.apply(null, xs), x1 = Math.max.apply(null, xs);
    var y0 = Math.min(0, Math.min.apply(null, ys)), y1 = Math.max.apply(null, ys);
    if (x1 === x0) x1 = x0 + 1;
    if (y1 === y0) y1 = y0 + 1;
    function px(x) { return L + (x - x0) / (x1 - x0) * (W - L - R); }
    function py(y) { return H - B - (y - y0) / (y1 - y0) * (H - T - B); }
    var cap = svg('text', { x: L, y: 14, 'font-size': 12, 'font-weight': 600 }); cap.textContent = title; s.appendChild(cap);
    s.appendChild(svg('line', { x1: L, y1: H - B, x2: W - R, y2: H - B, stroke: '#889' }));
    s.appendChild(svg('line', { x1: L, y1: T, x2: L, y2: H - B, stroke: '#889' }));
    [y0, (y0 + y1) / 2, y1].forEach(function (v) {
      var tx = svg('text', { x: L - 4, y: py(v) + 4, 'font-size': 10, 'text-anchor': 'end', fill: '#555' });
      tx.textContent = Math.abs(y1) >= 100 ? v.toPrecision(3) : v.toFixed(2); s.appendChild(tx);
    });
    pts.forEach(function (p) {
      var tx = svg('text', { x: px(p[0]), y: H - B + 14, 'font-size': 10, 'text-anchor': 'middle', fill: '#555' });
      tx.textContent = p[0]; s.appendChild(tx);
    });
    var xl = svg('text', { x: (L + W - R) / 2, y: H - 4, 'font-size': 11, 'text-anchor': 'middle' }); xl.textContent = 'k'; s.appendChild(xl);
    var yl = svg('text', { x: 12, y: (T + H - B) / 2, 'font-size': 11, 'text-anchor': 'middle', transform: 'rotate(-90 12 ' + ((T + H - B) / 2) + ')' }); yl.textContent = yName; s.appendChild(yl);
    s.appendChild(svg('polyline', { points: pts.map(function (p) { return px(p[0]) + ',' + py(p[1]); }).join(' '), fill: 'none', stroke: '#0072B2', 'stroke-width': 2 }));
    pts.forEach(function (p) {
      s.appendChild(svg('circle', { cx: px(p[0]), cy: py(p[1]), r: 3.5, fill: '#0072B2' }));
      if (p[0] === best) {
        s.appendChild(svg('circle', { cx: px(p[0]), cy: py(p[1]), r: 8, fill: 'none', stroke: '#D55E00', 'stroke-width': 2.5 }));
      }
    });
    return s;
  }
  if (D.scan) {
    document.getElementById('scan').hidden = false;
    var charts = document.getElementById('scan-charts');
    charts.appendChild(lineChart('Inertia (elbow)', D.scan.map(function (s) { return [s.k, s.inertia]; }), D.k, 'inertia'));
    charts.appendChild(lineChart('Mean silhouette (chosen k circled)', D.scan.map(function (s) { return [s.k, s.silhouette]; }), D.k, 'silhouette'));
    var tb = document.querySelector('#scan-table tbody');
    D.scan.forEach(function (s) {
      var tr = el('tr');
      tr.appendChild(el('td', null, String(s.k) + (s.k === D.k ? ' (chosen)' : '')));
      tr.appendChild(el('td', { 'class': 'num' }, fmt(s.inertia, 4)));
      tr.appendChild(el('td', { 'class': 'num' }, fmt(s.silhouette, 4)));
      tb.appendChild(tr);
    });
  }

  // ---- profile bars (SVG) ----
  function profileBars(values, fill, label, W, H) {
    W = W || 300; H = H || 130;
    var L = 30, B = 18, T = 6, R = 4;
    var s = svg('svg', { width: W, height: H, viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-label': label });
    var t = svg('title', {}); t.textContent = label; s.appendChild(t);
    var top = Math.max.apply(null, values.concat([1e-9]));
    var bw = (W - L - R) / values.length;
    s.appendChild(svg('line', { x1: L, y1: H - B, x2: W - R, y2: H - B, stroke: '#889' }));
    [0, top].forEach(function (v) {
      var tx = svg('text', { x: L - 3, y: (H - B) - v / top * (H - B - T) + 3, 'font-size': 9, 'text-anchor': 'end', fill: '#555' });
      tx.textContent = v.toFixed(2); s.appendChild(tx);
    });
    values.forEach(function (v, j) {
      var h = v / top * (H - B - T);
      var r = svg('rect', { x: L + j * bw + 1.5, y: H - B - h, width: Math.max(bw - 3, 1), height: Math.max(h, 0), fill: fill, stroke: '#333', 'stroke-width': 0.4 });
      var rt = svg('title', {}); rt.textContent = D.profile_names[j] + ': ' + v.toFixed(3); r.appendChild(rt);
      s.appendChild(r);
      if (values.length <= 24) {
        var tx = svg('text', { x: L + (j + 0.5) * bw, y: H - 5, 'font-size': values.length > 12 ? 7 : 10, 'text-anchor': 'middle', fill: '#333' });
        tx.textContent = D.profile_names[j]; s.appendChild(tx);
      }
    });
    return s;
  }

  // ---- chromagram thumbnails (canvas from bytes) ----
  var VIRIDIS = [[68, 1, 84], [72, 40, 120], [62, 73, 137], [49, 104, 142], [38, 130, 142], [31, 158, 137], [53, 183, 121], [109, 205, 89], [180, 222, 44], [253, 231, 37]];
  var LUT = [];
  for (var li = 0; li < 256; li++) {
    var pos = li / 255 * (VIRIDIS.length - 1), lo = Math.floor(pos), hi = Math.min(lo + 1, VIRIDIS.length - 1), f = pos - lo;
    LUT.push([0, 1, 2].map(function (c) { return Math.round(VIRIDIS[lo][c] * (1 - f) + VIRIDIS[hi][c] * f); }));
  }
  function drawThumb(canvas, i) {
    var b64 = F.thumb && F.thumb[i];
    if (!b64) return false;
    var bin = atob(b64), cols = Math.floor(bin.length / 12);
    if (!cols) return false;
    canvas.width = cols; canvas.height = 12;
    var ctx = canvas.getContext('2d');
    var img = ctx.createImageData(cols, 12);
    for (var c = 0; c < cols; c++) {
      for (var p = 0; p < 12; p++) {
        var rgb = LUT[bin.charCodeAt(c * 12 + p)];
        var o = ((11 - p) * cols + c) * 4; // A at the bottom
        img.data[o] = rgb[0]; img.data[o + 1] = rgb[1]; img.data[o + 2] = rgb[2]; img.data[o + 3] = 255;
      }
    }
    ctx.putImageData(img, 0, 0);
    return true;
  }

  // ---- the map ----
  var canvas = document.getElementById('map');
  var tooltip = document.getElementById('tooltip');
  var selected = -1, hover = -1;
  var xmin = Infinity, xmax = -Infinity, ymin = Infinity, ymax = -Infinity;
  for (var i = 0; i < N; i++) {
    xmin = Math.min(xmin, F.x[i]); xmax = Math.max(xmax, F.x[i]);
    ymin = Math.min(ymin, F.y[i]); ymax = Math.max(ymax, F.y[i]);
  }
  if (!(xmax > xmin)) { xmin -= 1; xmax += 1; }
  if (!(ymax > ymin)) { ymin -= 1; ymax += 1; }
  var px = new Float64Array(N), py = new Float64Array(N);
  var R = N > 3000 ? 2.6 : N > 500 ? 3.6 : 6;
  var PAD = { l: 46, r: N <= 40 ? 150 : 16, t: 14, b: 36 };
  var cw = 0, ch = 0;
  canvas.setAttribute('aria-label', 'Cluster map of ' + N + ' files in ' + D.k + ' clusters; ' + D.axes[0] + ' across, ' + D.axes[1] + ' up');

  function marker(ctx, x, y, r, c) { ctx.beginPath(); markerPath(ctx, x, y, r, c); }
  // Adds one marker as a sub-path, so a whole cluster is filled and stroked at once.
  function markerPath(ctx, x, y, r, c) {
    var s = shape(c);
    if (s === 'circle') { ctx.moveTo(x + r, y); ctx.arc(x, y, r, 0, 2 * Math.PI); }
    else if (s === 'square') ctx.rect(x - r * 0.9, y - r * 0.9, r * 1.8, r * 1.8);
    else if (s === 'triangle') { ctx.moveTo(x, y - r * 1.15); ctx.lineTo(x + r, y + r * 0.8); ctx.lineTo(x - r, y + r * 0.8); ctx.closePath(); }
    else { ctx.moveTo(x, y - r * 1.2); ctx.lineTo(x + r * 1.2, y); ctx.lineTo(x, y + r * 1.2); ctx.lineTo(x - r * 1.2, y); ctx.closePath(); }
  }
  function layout() {
    var rect = canvas.getBoundingClientRect();
    cw = Math.max(rect.width, 200); ch = Math.max(rect.height, 200);
    var dpr = window.devicePixelRatio || 1;
    canvas.width = Math.round(cw * dpr); canvas.height = Math.round(ch * dpr);
    canvas.getContext('2d').setTransform(dpr, 0, 0, dpr, 0, 0);
    var padx = (xmax - xmin) * 0.04, pady = (ymax - ymin) * 0.05;
    var w = cw - PAD.l - PAD.r, h = ch - PAD.t - PAD.b;
    for (var i = 0; i < N; i++) {
      px[i] = PAD.l + (F.x[i] - xmin + padx) / (xmax - xmin + 2 * padx) * w;
      py[i] = PAD.t + h - (F.y[i] - ymin + pady) / (ymax - ymin + 2 * pady) * h;
    }
  }
  function draw() {
    var ctx = canvas.getContext('2d');
    ctx.clearRect(0, 0, cw, ch);
    ctx.strokeStyle = '#c9ced6'; ctx.lineWidth = 1;
    ctx.strokeRect(PAD.l, PAD.t, cw - PAD.l - PAD.r, ch - PAD.t - PAD.b);
    ctx.fillStyle = '#333'; ctx.font = '12px system-ui, sans-serif'; ctx.textAlign = 'center';
    ctx.fillText(D.axes[0], PAD.l + (cw - PAD.l - PAD.r) / 2, ch - 10);
    ctx.save(); ctx.translate(14, PAD.t + (ch - PAD.t - PAD.b) / 2); ctx.rotate(-Math.PI / 2); ctx.fillText(D.axes[1], 0, 0); ctx.restore();
    var drawn = 0;
    ctx.lineWidth = N > 3000 ? 0.4 : 0.9;
    ctx.strokeStyle = 'rgba(20,20,20,0.75)';
    ctx.globalAlpha = N > 3000 ? 0.8 : 0.95;
    for (var c = 0; c < D.k; c++) {
      ctx.fillStyle = color(c);
      ctx.beginPath();
      for (var i = 0; i < N; i++) {
        if (F.cluster[i] !== c) continue;
        markerPath(ctx, px[i], py[i], R, c);
        drawn++;
      }
      ctx.fill(); ctx.stroke();
    }
    ctx.globalAlpha = 1;
    if (N <= 40) {
      ctx.fillStyle = '#222'; ctx.font = '11px system-ui, sans-serif'; ctx.textAlign = 'left';
      for (var j = 0; j < N; j++) ctx.fillText(labelOf(j) || F.name[j].replace(/\.[^.]+$/, ''), px[j] + R + 3, py[j] + 4);
    }
    [hover, selected].forEach(function (s, n) {
      if (s < 0) return;
      ctx.beginPath(); ctx.arc(px[s], py[s], R + 5, 0, 2 * Math.PI);
      ctx.lineWidth = n ? 3 : 1.5; ctx.strokeStyle = n ? '#D55E00' : '#333'; ctx.stroke();
    });
    canvas.dataset.points = String(drawn);
  }
  function nearest(x, y, within) {
    var best = -1, bd = within * within;
    for (var i = 0; i < N; i++) {
      var dx = px[i] - x, dy = py[i] - y, d = dx * dx + dy * dy;
      if (d <= bd) { bd = d; best = i; }
    }
    return best;
  }
  // "Title \u2014 Artist" from the file's own tags, '' where it has none.
  function labelOf(i) { return F.label && F.label[i] ? F.label[i] : ''; }
  function showTooltip(i, x, y) {
    if (i < 0) { tooltip.hidden = true; return; }
    tooltip.textContent = '';
    if (labelOf(i)) tooltip.appendChild(el('div', { 'class': 't-name' }, labelOf(i)));
    tooltip.appendChild(el('div', { 'class': labelOf(i) ? 't-file' : 't-name' }, F.name[i]));
    tooltip.appendChild(el('div', null, 'cluster ' + F.cluster[i] + (F.key ? ' \u00b7 key ' + keyOf(i) : '') + ' \u00b7 distance ' + fmt(F.distance[i], 3)));
    tooltip.appendChild(el('div', { 'class': 't-path' }, F.path[i]));
    tooltip.appendChild(profileBars(profileOf(i), color(F.cluster[i]), 'profile of ' + F.name[i], 240, 86));
    tooltip.hidden = false;
    var wrap = canvas.parentNode.getBoundingClientRect();
    var tw = tooltip.offsetWidth, th = tooltip.offsetHeight;
    var left = x + 14, top = y + 14;
    if (left + tw > wrap.width) left = x - tw - 14;
    if (top + th > ch) top = Math.max(0, y - th - 14);
    tooltip.style.left = left + 'px'; tooltip.style.top = top + 'px';
  }
  function localXY(ev) { var r = canvas.getBoundingClientRect(); return [ev.clientX - r.left, ev.clientY - r.top]; }
  canvas.addEventListener('mousemove', function (ev) {
    var p = localXY(ev), i = nearest(p[0], p[1], R + 6);
    if (i !== hover) { hover = i; draw(); }
    showTooltip(i, p[0], p[1]);
    canvas.style.cursor = i >= 0 ? 'pointer' : 'crosshair';
  });
  canvas.addEventListener('mouseleave', function () { hover = -1; tooltip.hidden = true; draw(); });
  canvas.addEventListener('click', function (ev) {
    var p = localXY(ev), i = nearest(p[0], p[1], R + 6);
    if (i >= 0) select(i, { play: true });
  });
  // Keyboard: files in map order (left to right), arrows step, Enter/Space plays.
  var mapOrder = [];
  for (var mi = 0; mi < N; mi++) mapOrder.push(mi);
  mapOrder.sort(function (a, b) { return F.x[a] - F.x[b] || F.y[b] - F.y[a]; });
  var mapRank = new Int32Array(N);
  mapOrder.forEach(function (f, r) { mapRank[f] = r; });
  canvas.addEventListener('keydown', function (ev) {
    var step = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1, PageDown: 10, PageUp: -10 }[ev.key];
    if (step) {
      ev.preventDefault();
      var r = selected < 0 ? (step > 0 ? 0 : N - 1) : Math.min(N - 1, Math.max(0, mapRank[selected] + step));
      select(mapOrder[r], { play: false });
      showTooltip(selected, px[selected], py[selected]);
    } else if ((ev.key === 'Enter' || ev.key === ' ') && selected >= 0) {
      ev.preventDefault();
      play();
    } else if (ev.key === 'Escape') {
      tooltip.hidden = true;
    }
  });
  canvas.addEventListener('blur', function () { tooltip.hidden = true; });

  var legend = document.getElementById('legend');
  D.clusters.forEach(function (c) {
    var li = el('li');
    var a = el('a', { href: '#cluster-' + c.id });
    a.appendChild(swatch(c.id, 14));
    a.appendChild(document.createTextNode('cluster ' + c.id + ' (' + c.size + ')'));
    li.appendChild(a); legend.appendChild(li);
  });
  function swatch(c, size) {
    var cv = el('canvas', { width: size * 2, height: size * 2, 'class': 'swatch', 'aria-hidden': 'true' });
    cv.style.width = size + 'px'; cv.style.height = size + 'px';
    var ctx = cv.getContext('2d'); ctx.scale(2, 2);
    ctx.fillStyle = color(c); ctx.strokeStyle = '#222'; ctx.lineWidth = 0.9;
    marker(ctx, size / 2, size / 2, size / 2 - 2, c); ctx.fill(); ctx.stroke();
    return cv;
  }

  // ---- selection and player ----
  if (!F.key) {
    var kf = document.querySelectorAll('.key-field');
    for (var q = 0; q < kf.length; q++) kf[q].hidden = true;
  }
  var player = document.getElementById('player');
  var status = document.getElementById('player-status');
  player.addEventListener('error', function () { status.textContent = 'Cannot play this file here (moved, or a format this browser does not play).'; });
  player.addEventListener('playing', function () { status.textContent = ''; });
  function play() {
    var p = player.play();
    if (p && p.catch) {
      p.catch(function (e) {
        // AbortError: another file was selected before this one started; nothing to say.
        if (e && e.name === 'AbortError') return;
        status.textContent = 'Not playing: ' + (e && e.message ? e.message : e);
      });
    }
  }
  function select(i, opts) {
    var old = document.querySelectorAll('tr.selected');
    for (var o = 0; o < old.length; o++) { old[o].classList.remove('selected'); old[o].setAttribute('aria-selected', 'false'); }
    selected = i;
    document.getElementById('sel-empty').hidden = true;
    document.getElementById('sel-body').hidden = false;
    document.getElementById('sel-name').textContent = labelOf(i) || F.name[i];
    var selFile = document.getElementById('sel-file');
    selFile.textContent = labelOf(i) ? F.name[i] : '';
    selFile.hidden = !labelOf(i);
    document.getElementById('sel-cluster').textContent = String(F.cluster[i]);
    document.getElementById('sel-key').textContent = keyOf(i);
    document.getElementById('sel-distance').textContent = fmt(F.distance[i], 4);
    document.getElementById('sel-path').textContent = F.path[i];
    var prof = document.getElementById('sel-profile');
    prof.textContent = '';
    prof.appendChild(profileBars(profileOf(i), color(F.cluster[i]), 'profile of ' + F.name[i], 320, 120));
    document.getElementById('sel-thumb').hidden = !drawThumb(document.getElementById('sel-thumb'), i);
    var src = srcOf(i);
    if (player.getAttribute('src') !== src) { player.setAttribute('src', src); status.textContent = ''; }
    player.dataset.file = String(i);
    draw();
    var t = tables[F.cluster[i]];
    if (t) t.reveal(i);
    if (opts && opts.play) play();
  }

  // ---- clusters ----
  var byCluster = D.clusters.map(function () { return []; });
  for (var fi = 0; fi < N; fi++) byCluster[F.cluster[fi]].push(fi);
  var tables = [];
  var list = document.getElementById('cluster-list');
  var thumbsOn = !!F.thumb;
  var collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });
  D.clusters.forEach(function (c) {
    var sec = el('section', { 'class': 'cluster', id: 'cluster-' + c.id, 'aria-labelledby': 'cluster-' + c.id + '-h' });
    var h = el('h3', { id: 'cluster-' + c.id + '-h' });
    h.appendChild(swatch(c.id, 16));
    h.appendChild(document.createTextNode('Cluster ' + c.id + ' '));
    h.appendChild(el('small', null, c.size + (c.size === 1 ? ' file' : ' files')));
    sec.appendChild(h);
    var body = el('div', { 'class': 'cluster-body' });
    var fig = el('figure', { 'class': 'profile-chart' });
    fig.appendChild(profileBars(c.mean, color(c.id), 'mean profile of cluster ' + c.id));
    fig.appendChild(el('figcaption', null, 'Mean profile of its files'));
    body.appendChild(fig);
    var files = el('div', { 'class': 'files' });
    var controls = el('div', { 'class': 'controls' });
    var fid = 'filter-' + c.id;
    var lab = el('label', { 'for': fid }, 'Filter');
    var input = el('input', { id: fid, type: 'search', placeholder: (F.label ? 'title, ' : '') + (F.key ? 'name or key' : 'name'), 'aria-controls': 'table-' + c.id, autocomplete: 'off' });
    var count = el('span', { 'class': 'count', 'aria-live': 'polite' });
    controls.appendChild(lab); controls.appendChild(input); controls.appendChild(count);
    files.appendChild(controls);
    var table = el('table', { id: 'table-' + c.id, 'class': 'file-table' });
    table.appendChild(el('caption', { 'class': 'sr-only' }, 'Files of cluster ' + c.id));
    var thead = el('thead'), hr = el('tr');
    var cols = [{ key: 'name', label: 'File' }];
    if (F.key) cols.push({ key: 'key', label: 'Key' });
    cols.push({ key: 'distance', label: 'Distance to centre', num: true });
    var ths = {};
    cols.forEach(function (col) {
      var th = el('th', { scope: 'col', 'aria-sort': 'none', 'class': col.num ? 'num' : null, 'data-col': col.key });
      var b = el('button', { type: 'button' }, col.label);
      b.addEventListener('click', function () { t.sortBy(col.key); });
      th.appendChild(b); hr.appendChild(th); ths[col.key] = th;
    });
    if (F.near) hr.appendChild(el('th', { scope: 'col' }, 'Sounds like'));
    if (thumbsOn) hr.appendChild(el('th', { scope: 'col' }, 'Chromagram'));
    hr.appendChild(el('th', { scope: 'col' }, 'Listen'));
    thead.appendChild(hr); table.appendChild(thead);
    var tbody = el('tbody'); table.appendChild(tbody);
    files.appendChild(table);
    var pager = el('div', { 'class': 'pager' });
    var prev = el('button', { type: 'button', 'aria-label': 'Previous page of cluster ' + c.id }, '\u2039 Previous');
    var info = el('span', { 'aria-live': 'polite' });
    var next = el('button', { type: 'button', 'aria-label': 'Next page of cluster ' + c.id }, 'Next \u203a');
    pager.appendChild(prev); pager.appendChild(info); pager.appendChild(next);
    files.appendChild(pager);
    body.appendChild(files);
    sec.appendChild(body);
    list.appendChild(sec);

    var t = {
      members: byCluster[c.id], rows: byCluster[c.id].slice(), page: 0, sort: null, dir: 1, filter: '',
      apply: function () {
        var q = this.filter.toLowerCase();
        var rows = q ? this.members.filter(function (i) {
          return F.name[i].toLowerCase().indexOf(q) >= 0 || labelOf(i).toLowerCase().indexOf(q) >= 0 || (F.key && keyOf(i).toLowerCase().indexOf(q) >= 0);
        }) : this.members.slice();
        var s = this.sort, dir = this.dir;
        if (s) {
          rows.sort(function (a, b) {
            var r = s === 'distance' ? F.distance[a] - F.distance[b] : collator.compare(s === 'key' ? keyOf(a) : F.name[a], s === 'key' ? keyOf(b) : F.name[b]);
            return dir * r || a - b;
          });
        }
        this.rows = rows;
        this.page = Math.min(this.page, Math.max(0, Math.ceil(rows.length / PAGE) - 1));
        this.render();
      },
      sortBy: function (key) {
        if (this.sort === key) this.dir = -this.dir; else { this.sort = key; this.dir = 1; }
        for (var k in ths) ths[k].setAttribute('aria-sort', k === key ? (this.dir > 0 ? 'ascending' : 'descending') : 'none');
        this.page = 0;
        this.apply();
      },
      reveal: function (i) {
        var at = this.rows.indexOf(i);
        if (at < 0) { this.filter = ''; input.value = ''; this.apply(); at = this.rows.indexOf(i); }
        this.page = Math.floor(at / PAGE);
        this.render();
      },
      render: function () {
        tbody.textContent = '';
        var from = this.page * PAGE, to = Math.min(this.rows.length, from + PAGE);
        for (var r = from; r < to; r++) tbody.appendChild(row(this.rows[r]));
        count.textContent = this.rows.length === this.members.length ? this.members.length + ' files' : this.rows.length + ' of ' + this.members.length + ' files match';
        info.textContent = this.rows.length ? (from + 1) + '\u2013' + to + ' of ' + this.rows.length : 'no file';
        prev.disabled = this.page === 0;
        next.disabled = to >= this.rows.length;
      }
    };
    function row(i) {
      var tr = el('tr', { 'data-file': i, 'class': i === selected ? 'selected' : null, 'aria-selected': i === selected ? 'true' : 'false' });
      var name = el('td', { 'class': 'name' });
      var b = el('button', { type: 'button', 'class': 'linklike', title: F.path[i] }, labelOf(i) || F.name[i]);
      name.appendChild(b);
      if (labelOf(i)) name.appendChild(el('div', { 'class': 'file-sub' }, F.name[i]));
      tr.appendChild(name);
      if (F.key) tr.appendChild(el('td', { 'class': 'key' }, keyOf(i)));
      tr.appendChild(el('td', { 'class': 'num distance' }, fmt(F.distance[i], 4)));
      if (F.near) {
        var nd = el('td', { 'class': 'near' });
        F.near[i].forEach(function (j, r) {
          if (r) nd.appendChild(document.createTextNode(', '));
          var a = el('a', { href: '#file-' + j, 'class': 'near-link', 'data-file': j, title: F.path[j] }, labelOf(j) || F.name[j]);
          a.addEventListener('click', function (ev) { ev.preventDefault(); ev.stopPropagation(); select(j, { play: false }); });
          nd.appendChild(a);
        });
        tr.appendChild(nd);
      }
      if (thumbsOn) {
        var td = el('td');
        var cv = el('canvas', { 'class': 'thumb', role: 'img', 'aria-label': 'chromagram of ' + F.name[i] });
        if (drawThumb(cv, i)) td.appendChild(cv); else td.textContent = '-';
        tr.appendChild(td);
      }
      var ta = el('td');
      ta.appendChild(el('audio', { controls: '', preload: 'none', src: srcOf(i), 'aria-label': 'Play ' + F.name[i] }));
      tr.appendChild(ta);
      tr.addEventListener('click', function (ev) {
        if (ev.target.tagName === 'AUDIO') return;
        select(i, { play: false });
      });
      return tr;
    }
    input.addEventListener('input', function () { t.filter = input.value; t.page = 0; t.apply(); });
    prev.addEventListener('click', function () { if (t.page > 0) { t.page--; t.render(); } });
    next.addEventListener('click', function () { if ((t.page + 1) * PAGE < t.rows.length) { t.page++; t.render(); } });
    tables[c.id] = t;
    t.render();
  });
  // ---- failures ----
  if (D.failures.length) {
    document.getElementById('failed-none').hidden = true;
    var ft = document.getElementById('failed-table');
    ft.hidden = false;
    var fb = ft.querySelector('tbody');
    D.failures.forEach(function (f) {
      var tr = el('tr');
      tr.appendChild(el('td', null, f.file));
      tr.appendChild(el('td', null, f.cause));
      fb.appendChild(tr);
    });
  }

  layout(); draw();
  var resizeTimer = null;
  window.addEventListener('resize', function () { clearTimeout(resizeTimer); resizeTimer = setTimeout(function () { layout(); draw(); }, 100); });

  // A small read-only hook for tests and scripts: where a file's point is on screen.
  window.chromaclusterReport = {
    files: N,
    pointOnScreen: function (i) { var r = canvas.getBoundingClientRect(); return { x: r.left + px[i], y: r.top + py[i] }; },
    selected: function () { return selected; }
  };
  document.body.dataset.ready = String(performance.now());
  requestAnimationFrame(function () {
    requestAnimationFrame(function () { document.body.dataset.painted = String(performance.now()); });
  });
})();
