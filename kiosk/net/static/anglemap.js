// Body angle → frame time for one look, in the browser: the same steps, constants and
// arithmetic as kiosk/compare/anglemap.py (and kiosk/compare/track.py for reading tracks), so
// the associate's tablet lines looks up exactly as the mirror does. A test runs both on the
// same tracks. Plain script, no build step: it defines globalThis.AngleMaps.
"use strict";
(function (root) {
  const ANGLES = 360;
  const PAD_S = 0.5;
  const GRID_HZ = 30.0;
  const MAX_GRID = 900;
  const MIN_CONF = 0.05;
  const TRUSTED_CONF = 0.3;
  const MIN_SAMPLES = 5;
  const MIN_TURN_DEG = 90.0;
  const MIN_MEAN_CONF = 0.25;
  const LOWCONF_COST = 60.0;
  const KERNEL_SPACINGS = 1.5;
  const GAP_WEIGHT = 0.25;
  const COVER_TOL_DEG = 12.0;
  const PARTIAL_BELOW_DEG = 330.0;
  const ROTATION_SLACK_DEG = 2.0;

  // Python's float modulo (the result takes the divisor's sign).
  function pymod(x, m) {
    const r = x % m;
    return r !== 0 && (r < 0) !== (m < 0) ? r + m : r;
  }
  function wrap180(deg) { return pymod(deg + 180.0, 360.0) - 180.0; }
  function angleGap(a, b) { return Math.abs(wrap180(a - b)); }

  // numpy.interp for one x over increasing xp.
  function interp(x, xp, fp) {
    const n = xp.length;
    if (x <= xp[0]) return fp[0];
    if (x >= xp[n - 1]) return fp[n - 1];
    let lo = 0, hi = n - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (xp[mid] <= x) lo = mid; else hi = mid;
    }
    const slope = (fp[lo + 1] - fp[lo]) / (xp[lo + 1] - xp[lo]);
    return slope * (x - xp[lo]) + fp[lo];
  }

  function median(values) {
    const s = Array.from(values).sort((a, b) => a - b);
    const n = s.length;
    return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }

  // A stored track [[t, yaw, rotation(, confidence)], ...] cleaned like YawTrack.from_entries.
  function readTrack(entries) {
    const rows = [];
    for (const e of entries || []) {
      if (!Array.isArray(e) || (e.length !== 3 && e.length !== 4)) continue;
      const v = e.map(Number);
      if (!v.every(Number.isFinite)) continue;
      rows.push([v[0], v[1], v[2], v.length === 4 ? v[3] : 1.0]);
    }
    rows.sort((a, b) => a[0] - b[0]);  // stable, like Python's sort
    const kept = [];
    for (const r of rows) if (!kept.length || r[0] > kept[kept.length - 1][0]) kept.push(r);
    const t = kept.map((r) => r[0]);
    const yaw = kept.map((r) => wrap180(r[1]));
    let rotation = kept.map((r) => r[2]);
    const confidence = kept.map((r) => Math.min(Math.max(r[3], 0.0), 1.0));
    let unwrapped = false;
    for (let i = 0; i < t.length; i++) {
      if (angleGap(rotation[i], yaw[i]) > ROTATION_SLACK_DEG) unwrapped = true;
      if (i && Math.abs(rotation[i] - rotation[i - 1]) > 180.0) unwrapped = true;
    }
    if (unwrapped && yaw.length) {
      let sum = 0.0;
      rotation = yaw.map((y, i) => (i ? (sum += wrap180(y - yaw[i - 1]), yaw[0] + sum) : yaw[0]));
    }
    return { t, yaw, rotation, confidence };
  }

  // The largest rise values[j] - values[i] with i <= j, and (the last such) i and j.
  function largestMove(values) {
    if (!values.length) return [0.0, 0, 0];
    const lows = [];
    let low = Infinity, best = -Infinity, j = 0;
    for (let k = 0; k < values.length; k++) {
      low = Math.min(low, values[k]);
      lows.push(low);
      const gain = values[k] - low;
      if (gain > best) { best = gain; j = k; }
    }
    let i = 0;
    for (let k = 0; k <= j; k++) if (values[k] === lows[j]) i = k;
    return [best, i, j];
  }

  function pick(arr, mask) { return arr.filter((_, k) => mask[k]); }

  function segment(t, rot, conf, trusted, turn) {
    const ct = pick(t, trusted), cr = pick(rot, trusted);
    let lo, hi, sign;
    if (turn) {
      sign = turn.direction === "cw" ? 1 : -1;
      const [, i, j] = largestMove(cr.map((r) => sign * r));
      lo = Math.min(turn.start_s, ct[i]) - PAD_S;
      hi = Math.max(turn.end_s, ct[j]) + PAD_S;
    } else {
      const up = largestMove(cr), down = largestMove(cr.map((r) => -r));
      const [move, s] = up[0] >= down[0] ? [up, 1] : [down, -1];
      sign = s;
      lo = ct[move[1]] - PAD_S;
      hi = ct[move[2]] + PAD_S;
    }
    const inside = t.map((x) => x >= lo && x <= hi);
    const count = inside.filter(Boolean).length;
    if (count < MIN_SAMPLES) return { reason: "it has too few body-angle measurements during the turn" };
    const keep = inside.map((v, k) => v && trusted[k]);
    const kept = pick(rot, keep).map((r) => sign * r);
    const amplitude = kept.length >= 2 ? largestMove(kept)[0] : 0.0;
    if (amplitude < MIN_TURN_DEG) return { reason: `the body turns only ${Math.round(amplitude)}° in it` };
    const meanConf = pick(conf, inside).reduce((a, b) => a + b, 0) / count;
    if (meanConf < MIN_MEAN_CONF) return { reason: "its body angle was measured with too little confidence" };
    return { lo, hi, sign };
  }

  function grid(t, rot, conf) {
    const span = t[t.length - 1] - t[0];
    const n = Math.min(Math.floor(span * GRID_HZ + 1e-9) + 1, MAX_GRID);
    const dt = n < MAX_GRID ? 1.0 / GRID_HZ : span / (n - 1);
    const diffs = t.slice(1).map((x, k) => x - t[k]);
    const reach = KERNEL_SPACINGS * Math.min(Math.max(median(diffs), 1.0 / 60.0), 0.2);
    const g = new Float64Array(n), rg = new Float64Array(n), cg = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const x = t[0] + i * dt;
      let w = 0.0, wr = 0.0, near = 0.0, nc = 0.0;
      for (let j = 0; j < t.length; j++) {
        const k = Math.max(1.0 - Math.abs(x - t[j]) / reach, 0.0);
        if (k === 0.0) continue;
        const wk = k * (conf[j] * conf[j]);
        w += wk;
        wr += wk * rot[j];
        near += k;
        nc += k * conf[j];
      }
      g[i] = x;
      rg[i] = w > 1e-9 ? wr / w : interp(x, t, rot);
      cg[i] = near > 0.0 ? nc / near : interp(x, t, conf) * GAP_WEIGHT;
    }
    return [g, rg, cg];
  }

  function match(t, rot, conf, sign) {
    const [g, rg, cg] = grid(t, rot, conf);
    const n = g.length;
    const yaw = Array.from(rg, wrap180);
    const origin = yaw[0];
    const error = new Float64Array(ANGLES * n), cost = new Float64Array(ANGLES * n), total = new Float64Array(ANGLES * n);
    for (let k = 0; k < ANGLES; k++) {
      const target = origin + sign * k * (360.0 / ANGLES);
      for (let i = 0; i < n; i++) {
        const e = angleGap(yaw[i], target);
        error[k * n + i] = e;
        cost[k * n + i] = cg[i] * e + (1.0 - cg[i]) * LOWCONF_COST;
      }
    }
    for (let i = 0; i < n; i++) total[i] = cost[i];
    for (let k = 1; k < ANGLES; k++) {
      let low = Infinity;
      for (let i = 0; i < n; i++) {
        low = Math.min(low, total[(k - 1) * n + i]);
        total[k * n + i] = cost[k * n + i] + low;
      }
    }
    const argmin = (row, upTo) => {
      let best = 0;
      for (let i = 1; i <= upTo; i++) if (row(i) < row(best)) best = i;
      return best;
    };
    const picks = new Int32Array(ANGLES);
    let i = argmin((x) => total[(ANGLES - 1) * n + x], n - 1);
    picks[ANGLES - 1] = i;
    for (let k = ANGLES - 1; k > 0; k--) {
      i = argmin((x) => total[(k - 1) * n + x], i);
      picks[k - 1] = i;
    }
    const times = new Float64Array(ANGLES), yaws = new Float64Array(ANGLES), covered = new Uint8Array(ANGLES);
    for (let k = 0; k < ANGLES; k++) {
      const nearest = argmin((x) => cost[k * n + x], n - 1);
      const orderedOk = error[k * n + picks[k]] <= COVER_TOL_DEG;
      const chosen = orderedOk ? picks[k] : nearest;
      times[k] = g[chosen];
      yaws[k] = yaw[chosen];
      covered[k] = orderedOk || error[k * n + nearest] <= COVER_TOL_DEG ? 1 : 0;
    }
    return new AngleMap(origin, sign, times, yaws, covered);
  }

  class AngleMap {
    constructor(origin, sign, times, yaws, covered) {
      this.origin = origin;
      this.sign = sign;
      this.times = times;
      this.yaws = yaws;
      this.covered = covered;
    }
    get direction() { return this.sign > 0 ? "cw" : "ccw"; }
    get coverageDeg() { return this.covered.reduce((a, b) => a + b, 0) * 360.0 / ANGLES; }
    get partial() { return this.coverageDeg < PARTIAL_BELOW_DEG; }
    index(angle) {
      const offset = pymod(this.sign * (angle - this.origin), 360.0);
      return pymod(Math.floor(offset * ANGLES / 360.0 + 0.5), ANGLES);
    }
    // Where the look shows body yaw `angle`: { t, yaw, covered }.
    at(angle) {
      const k = this.index(angle);
      return { t: this.times[k], yaw: this.yaws[k], covered: !!this.covered[k] };
    }
  }

  // The map of one look, or { reason } when it cannot follow the angle.
  function buildAngleMap(entries, turn) {
    const track = readTrack(entries);
    const usable = track.confidence.map((c) => c >= MIN_CONF);
    if (usable.filter(Boolean).length < MIN_SAMPLES) return { reason: "it has too few body-angle measurements" };
    const t = pick(track.t, usable), rot = pick(track.rotation, usable), conf = pick(track.confidence, usable);
    let trusted = conf.map((c) => c >= TRUSTED_CONF);
    if (trusted.filter(Boolean).length < MIN_SAMPLES) trusted = conf.map(() => true);
    const turnOk = turn && Number.isFinite(turn.start_s) && Number.isFinite(turn.end_s) && turn.end_s > turn.start_s &&
      (turn.direction === "cw" || turn.direction === "ccw");
    let found = turnOk ? segment(t, rot, conf, trusted, turn) : null;
    if (!found || found.reason) found = segment(t, rot, conf, trusted, null);
    if (found.reason) return found;
    const inside = t.map((x) => x >= found.lo && x <= found.hi);
    return match(pick(t, inside), pick(rot, inside), pick(conf, inside), found.sign);
  }

  const api = { buildAngleMap, readTrack, wrap180, angleGap, AngleMap, ANGLES };
  root.AngleMaps = api;
  if (typeof module !== "undefined" && module.exports) module.exports = api;
})(typeof globalThis !== "undefined" ? globalThis : this);
