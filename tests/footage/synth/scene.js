// A plain fitting-room scene with one rigged (Mixamo) person, posed frame by frame from outside.
//
// The page exposes two functions to the driver (render.mjs): `setup(config)` builds the room, the
// lights, the camera and the character (with its garments recoloured), and `renderFrame(pose)`
// poses the skeleton from body-frame directions, renders one frame and returns it as a PNG data
// URL together with the image positions of the joints (for labels such as "wrist above head").
// Nothing here is random at render time: every choice arrives in `config` or `pose`.
import * as THREE from 'three';
import { GLTFLoader } from 'three/addons/loaders/GLTFLoader.js';
import { RoomEnvironment } from 'three/addons/environments/RoomEnvironment.js';

let renderer, scene, camera, character, bones, rest, size;
const DEG = Math.PI / 180;

// Joints reported in image coordinates every frame.
const JOINTS = ['Hips', 'Spine2', 'Neck', 'Head', 'HeadTop_End', 'LeftArm', 'RightArm', 'LeftForeArm',
  'RightForeArm', 'LeftHand', 'RightHand', 'LeftUpLeg', 'RightUpLeg', 'LeftLeg', 'RightLeg', 'LeftFoot',
  'RightFoot', 'LeftToe_End', 'RightToe_End'];
// Limb segments aimed from body-frame directions: bone -> the child whose position it points at.
const LIMBS = { LeftArm: 'LeftForeArm', LeftForeArm: 'LeftHand', RightArm: 'RightForeArm',
  RightForeArm: 'RightHand', LeftUpLeg: 'LeftLeg', LeftLeg: 'LeftFoot', RightUpLeg: 'RightLeg',
  RightLeg: 'RightFoot', LeftHand: 'LeftHandMiddle1', RightHand: 'RightHandMiddle1' };

function mulberry32(seed) {
  return function () {
    seed |= 0; seed = (seed + 0x6D2B79F5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hexRgb(hex) {
  const n = parseInt(hex.replace('#', ''), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

function rgbHsv(r, g, b) {
  r /= 255; g /= 255; b /= 255;
  const max = Math.max(r, g, b), min = Math.min(r, g, b), d = max - min;
  let h = 0;
  if (d > 1e-6) {
    if (max === r) h = ((g - b) / d) % 6; else if (max === g) h = (b - r) / d + 2; else h = (r - g) / d + 4;
    h *= 60; if (h < 0) h += 360;
  }
  return [h, max === 0 ? 0 : d / max, max];
}

function inClass(hsv, rule) {
  const [h, s, v] = hsv;
  const hueOk = rule.hue ? (rule.hue[0] <= rule.hue[1] ? h >= rule.hue[0] && h <= rule.hue[1]
    : h >= rule.hue[0] || h <= rule.hue[1]) : true;
  return hueOk && s >= (rule.sat?.[0] ?? 0) && s <= (rule.sat?.[1] ?? 1)
    && v >= (rule.val?.[0] ?? 0) && v <= (rule.val?.[1] ?? 1);
}

function imageData(image, w, h) {
  const c = document.createElement('canvas'); c.width = w; c.height = h;
  const ctx = c.getContext('2d', { willReadFrequently: true });
  ctx.drawImage(image, 0, 0, w, h);
  return [c, ctx, ctx.getImageData(0, 0, w, h)];
}

function patternValue(kind, x, y, scale, rnd) {
  // 1 where the pattern colour shows, 0 where the base colour shows (atlas pixel coordinates).
  const s = Math.max(2, scale);
  switch (kind) {
    case 'stripes': return Math.floor((x + y * 0.15) / s) % 2;
    case 'checks': return (Math.floor(x / s) + Math.floor(y / s)) % 2;
    case 'dots': { const cx = (x % (2 * s)) - s, cy = (y % (2 * s)) - s; return cx * cx + cy * cy < s * s * 0.3 ? 1 : 0; }
    case 'floral': {
      const u = x / s, v = y / s;
      const f = Math.sin(u * 1.7) * Math.cos(v * 1.3) + Math.sin((u + v) * 0.9) * 0.6;
      return f > 0.55 ? 1 : 0;
    }
    case 'sequin': return rnd() < 0.5 ? 1 : 0;
    default: return 0;
  }
}

// Recolour garments in the character's texture atlas: each rule picks texels by hue, saturation
// and value, and repaints them with a colour (keeping the texel's shading) and an optional pattern;
// shiny or sequinned garments also get low roughness, metalness and (sequins) tilted normals.
function recolour(material, classes, outfit, seed) {
  const base = material.map.image;
  const w = base.width, h = base.height;
  const [baseCanvas, baseCtx, baseData] = imageData(base, w, h);
  const mr = material.metalnessMap?.image;
  const [mrCanvas, mrCtx, mrData] = mr ? imageData(mr, w, h) : (() => {
    const c = document.createElement('canvas'); c.width = w; c.height = h;
    const ctx = c.getContext('2d', { willReadFrequently: true });
    ctx.fillStyle = 'rgb(0,255,0)'; ctx.fillRect(0, 0, w, h);
    return [c, ctx, ctx.getImageData(0, 0, w, h)];
  })();
  const metalFactor = mr ? material.metalness : 0, roughFactor = mr ? material.roughness : material.roughness;
  const nm = material.normalMap?.image;
  const [nCanvas, nCtx, nData] = nm ? imageData(nm, w, h) : [null, null, null];
  const px = baseData.data, mpx = mrData.data, npx = nData?.data;
  // Bake the old factors into the texture so untouched texels keep their look with factors of 1.
  for (let i = 0; i < mpx.length; i += 4) {
    mpx[i + 1] = Math.min(255, mpx[i + 1] * roughFactor);
    mpx[i + 2] = Math.min(255, mpx[i + 2] * metalFactor);
  }
  const labels = new Int8Array(w * h).fill(-1);
  const means = classes.map(() => [0, 0]);
  for (let p = 0; p < w * h; p++) {
    const hsv = rgbHsv(px[4 * p], px[4 * p + 1], px[4 * p + 2]);
    for (let c = 0; c < classes.length; c++) {
      if (inClass(hsv, classes[c].rule)) { labels[p] = c; means[c][0] += hsv[2]; means[c][1] += 1; break; }
    }
  }
  const rnd = mulberry32(seed);
  for (let c = 0; c < classes.length; c++) {
    const spec = outfit[classes[c].name];
    if (!spec) continue;
    const mean = means[c][1] ? means[c][0] / means[c][1] : 0.5;
    const col = hexRgb(spec.color), alt = hexRgb(spec.pattern_color || spec.color);
    const cell = Math.max(2, spec.sequin_px || 3);
    const cellRnd = new Map();
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      const p = y * w + x;
      if (labels[p] !== c) continue;
      const v = rgbHsv(px[4 * p], px[4 * p + 1], px[4 * p + 2])[2];
      const shade = Math.min(1.6, Math.max(0.35, (v / mean) ** (spec.contrast ?? 0.8)));
      let key = 0, r1 = 0.5, r2 = 0.5, r3 = 0.5;
      if (spec.pattern === 'sequin' || spec.finish === 'sequin') {
        const k = (Math.floor(y / cell) * 4096 + Math.floor(x / cell));
        if (!cellRnd.has(k)) cellRnd.set(k, [rnd(), rnd(), rnd()]);
        [r1, r2, r3] = cellRnd.get(k);
      }
      if (spec.pattern && spec.pattern !== 'sequin') key = patternValue(spec.pattern, x, y, spec.scale || 8, rnd);
      else if (spec.pattern === 'sequin') key = r1 < 0.3 ? 1 : 0;
      const src = key ? alt : col;
      const sparkle = spec.finish === 'sequin' ? 0.75 + 0.6 * r2 : 1;
      for (let k = 0; k < 3; k++) px[4 * p + k] = Math.max(0, Math.min(255, src[k] * shade * sparkle));
      if (spec.finish === 'shiny' || spec.finish === 'sequin') {
        mpx[4 * p + 1] = 255 * (spec.finish === 'sequin' ? 0.12 + 0.3 * r3 : 0.3);
        mpx[4 * p + 2] = 255 * (spec.metal ?? (spec.finish === 'sequin' ? 0.85 : 0.45));
        if (npx && spec.finish === 'sequin') {
          npx[4 * p] = 128 + (r2 - 0.5) * 150; npx[4 * p + 1] = 128 + (r3 - 0.5) * 150; npx[4 * p + 2] = 235;
        }
      } else {
        mpx[4 * p + 1] = 255 * (spec.roughness ?? 0.85);
        mpx[4 * p + 2] = 0;
      }
    }
  }
  baseCtx.putImageData(baseData, 0, 0); mrCtx.putImageData(mrData, 0, 0);
  const tex = (canvas, colour) => {
    const t = new THREE.CanvasTexture(canvas);
    t.flipY = false; t.colorSpace = colour ? THREE.SRGBColorSpace : THREE.NoColorSpace;
    t.wrapS = t.wrapT = THREE.RepeatWrapping; t.anisotropy = 4;
    return t;
  };
  material.map = tex(baseCanvas, true);
  const mrTex = tex(mrCanvas, false);
  material.metalnessMap = mrTex; material.roughnessMap = mrTex;
  material.metalness = 1; material.roughness = 1;
  if (nCanvas) { nCtx.putImageData(nData, 0, 0); material.normalMap = tex(nCanvas, false); }
  material.needsUpdate = true;
  return means.map((m, i) => ({ name: classes[i].name, texels: m[1] }));
}

function proceduralTexture(kind, colour, seed) {
  const c = document.createElement('canvas'); c.width = c.height = 512;
  const ctx = c.getContext('2d');
  const rnd = mulberry32(seed);
  const [r, g, b] = hexRgb(colour);
  ctx.fillStyle = colour; ctx.fillRect(0, 0, 512, 512);
  if (kind === 'planks') {
    for (let y = 0; y < 512; y += 64) {
      const off = Math.floor(rnd() * 256);
      for (let x = -off; x < 512; x += 256) {
        const k = 0.85 + rnd() * 0.3;
        ctx.fillStyle = `rgb(${r * k | 0},${g * k | 0},${b * k | 0})`; ctx.fillRect(x + 1, y + 1, 254, 62);
      }
    }
  } else if (kind === 'tiles') {
    ctx.fillStyle = `rgb(${r * 0.8 | 0},${g * 0.8 | 0},${b * 0.8 | 0})`;
    for (let i = 0; i <= 512; i += 128) { ctx.fillRect(i - 2, 0, 4, 512); ctx.fillRect(0, i - 2, 512, 4); }
  } else if (kind === 'carpet' || kind === 'plaster') {
    const img = ctx.getImageData(0, 0, 512, 512);
    for (let i = 0; i < img.data.length; i += 4) {
      const k = 1 + (rnd() - 0.5) * (kind === 'carpet' ? 0.18 : 0.06);
      img.data[i] *= k; img.data[i + 1] *= k; img.data[i + 2] *= k;
    }
    ctx.putImageData(img, 0, 0);
  }
  const t = new THREE.CanvasTexture(c);
  t.colorSpace = THREE.SRGBColorSpace; t.wrapS = t.wrapT = THREE.RepeatWrapping;
  return t;
}

function buildRoom(room, seed) {
  const group = new THREE.Group();
  const floorTex = proceduralTexture(room.floor_kind || 'carpet', room.floor, seed);
  floorTex.repeat.set(4, 4);
  const floor = new THREE.Mesh(new THREE.PlaneGeometry(10, 10),
    new THREE.MeshLambertMaterial({ map: floorTex }));
  floor.rotation.x = -Math.PI / 2; floor.receiveShadow = true; group.add(floor);
  const wallTex = proceduralTexture(room.wall_kind || 'plaster', room.wall, seed + 1);
  wallTex.repeat.set(3, 1);
  const wallMat = new THREE.MeshLambertMaterial({ map: wallTex });
  const back = new THREE.Mesh(new THREE.PlaneGeometry(10, 4), wallMat);
  back.position.set(0, 2, -room.back_m); back.receiveShadow = true; group.add(back);
  for (const side of [-1, 1]) {
    const wall = new THREE.Mesh(new THREE.PlaneGeometry(10, 4), wallMat);
    wall.position.set(side * room.side_m, 2, 0); wall.rotation.y = -side * Math.PI / 2;
    wall.receiveShadow = true; group.add(wall);
  }
  const skirting = new THREE.Mesh(new THREE.BoxGeometry(10, 0.1, 0.02),
    new THREE.MeshLambertMaterial({ color: room.skirting || '#f2f2f2' }));
  skirting.position.set(0, 0.05, -room.back_m + 0.01); group.add(skirting);
  // A soft contact shadow under the feet (cheaper than shadow maps on a software renderer).
  const sc = document.createElement('canvas'); sc.width = sc.height = 128;
  const sctx = sc.getContext('2d');
  const grad = sctx.createRadialGradient(64, 64, 4, 64, 64, 64);
  grad.addColorStop(0, 'rgba(0,0,0,0.55)'); grad.addColorStop(0.5, 'rgba(0,0,0,0.25)'); grad.addColorStop(1, 'rgba(0,0,0,0)');
  sctx.fillStyle = grad; sctx.fillRect(0, 0, 128, 128);
  const blob = new THREE.Mesh(new THREE.PlaneGeometry(0.9, 0.9),
    new THREE.MeshBasicMaterial({ map: new THREE.CanvasTexture(sc), transparent: true, depthWrite: false }));
  blob.rotation.x = -Math.PI / 2; blob.position.y = 0.002; group.add(blob);
  if (room.curtain) {
    // A gathered fitting-room curtain on one side wall.
    const geo = new THREE.PlaneGeometry(1.6, 2.4, 64, 1);
    const pos = geo.attributes.position;
    for (let i = 0; i < pos.count; i++) pos.setZ(i, Math.sin(pos.getX(i) * 18) * 0.04);
    geo.computeVertexNormals();
    const curtain = new THREE.Mesh(geo, new THREE.MeshLambertMaterial({ color: room.curtain, side: THREE.DoubleSide }));
    curtain.position.set(room.curtain_x, 1.2, -room.back_m + 0.15); curtain.castShadow = true; curtain.receiveShadow = true;
    group.add(curtain);
  }
  if (room.stool) {
    const stool = new THREE.Mesh(new THREE.CylinderGeometry(0.2, 0.2, 0.45, 24),
      new THREE.MeshLambertMaterial({ color: room.stool }));
    stool.position.set(room.stool_x, 0.225, -room.back_m + 0.5); stool.castShadow = true; stool.receiveShadow = true;
    group.add(stool);
  }
  return group;
}

function findBones(root) {
  const out = {};
  root.traverse((o) => {
    // End joints (HeadTop_End, *_Toe_End) are plain nodes, not skin bones, in some exports.
    if (!o.isBone && !/^mixamorig/.test(o.name)) return;
    const name = o.name.replace(/^mixamorig:?/, '');
    out[name] = o;
  });
  return out;
}

window.setup = async function setup(cfg) {
  size = { w: cfg.width, h: cfg.height };
  const Q = Object.assign({ antialias: true, shadows: true, shadow_map: 1024 }, cfg.quality || {});
  renderer = new THREE.WebGLRenderer({ antialias: Q.antialias, preserveDrawingBuffer: true });
  renderer.setPixelRatio(1);
  renderer.setSize(cfg.width, cfg.height);
  renderer.outputColorSpace = THREE.SRGBColorSpace;
  renderer.toneMapping = THREE.ACESFilmicToneMapping;
  renderer.toneMappingExposure = cfg.lights.exposure;
  renderer.shadowMap.enabled = Q.shadows;
  renderer.shadowMap.type = THREE.PCFSoftShadowMap;
  document.body.appendChild(renderer.domElement);

  scene = new THREE.Scene();
  scene.background = new THREE.Color(cfg.room.wall);
  const pmrem = new THREE.PMREMGenerator(renderer);
  scene.environment = pmrem.fromScene(new RoomEnvironment(), 0.04).texture;
  scene.environmentIntensity = cfg.lights.env;
  scene.add(buildRoom(cfg.room, cfg.seed));

  const L = cfg.lights;
  scene.add(new THREE.HemisphereLight(L.sky, L.ground, L.hemi));
  const key = new THREE.DirectionalLight(L.key_colour, L.key);
  key.position.set(Math.sin(L.key_azimuth * DEG) * 4, L.key_height, Math.cos(L.key_azimuth * DEG) * 4);
  key.castShadow = true; key.shadow.mapSize.set(Q.shadow_map, Q.shadow_map);
  Object.assign(key.shadow.camera, { left: -2, right: 2, top: 2.5, bottom: -0.5, near: 0.5, far: 12 });
  key.shadow.bias = -0.0005; key.shadow.normalBias = 0.02;
  scene.add(key);
  const fill = new THREE.PointLight(L.fill_colour, L.fill, 0, 2);
  fill.position.set(-Math.sin(L.key_azimuth * DEG) * 2.5, 2.2, 2.5); scene.add(fill);

  const gltf = await new GLTFLoader().loadAsync('/models/' + cfg.character.file);
  character = gltf.scene;
  bones = findBones(character);
  const materials = new Set();
  character.traverse((o) => {
    if (o.isMesh) { o.castShadow = true; o.receiveShadow = true; o.frustumCulled = false; materials.add(o.material); }
  });
  const report = [];
  if (Q.standard) {
    // MeshStandardMaterial shades far cheaper than the loader's MeshPhysicalMaterial on a CPU renderer.
    character.traverse((o) => {
      if (!o.isMesh || !o.material.isMeshPhysicalMaterial) return;
      const m = o.material;
      o.material = new THREE.MeshStandardMaterial({ name: m.name, map: m.map, normalMap: m.normalMap,
        roughnessMap: m.roughnessMap, metalnessMap: m.metalnessMap, roughness: m.roughness, metalness: m.metalness,
        side: m.side, color: m.color });
    });
    materials.clear();
    character.traverse((o) => { if (o.isMesh) materials.add(o.material); });
  }
  for (const m of materials) {
    if (m.map && cfg.character.classes?.length) report.push(...recolour(m, cfg.character.classes, cfg.character.outfit, cfg.seed));
    if (cfg.character.material_names?.[m.name]) Object.assign(m, cfg.character.material_names[m.name]);
  }
  // Face +z with the own left towards +x whatever the export's convention (Soldier faces -z).
  character.updateMatrixWorld(true);
  const across = bones.LeftArm.getWorldPosition(new THREE.Vector3()).sub(bones.RightArm.getWorldPosition(new THREE.Vector3()));
  character.rotation.y += -Math.atan2(-across.z, across.x);
  const holder = new THREE.Group();
  holder.add(character);
  scene.add(holder);
  // Scale to the requested body height (rest pose: HeadTop_End above the toes) and stand on the floor.
  character.updateMatrixWorld(true);
  const top = bones.HeadTop_End.getWorldPosition(new THREE.Vector3()).y;
  const toe = Math.min(bones.LeftToe_End.getWorldPosition(new THREE.Vector3()).y, bones.LeftFoot.getWorldPosition(new THREE.Vector3()).y);
  const scale = cfg.character.height_m / (top - toe + 0.02 * (top - toe));
  character.scale.multiplyScalar(scale);
  character.updateMatrixWorld(true);
  const box = new THREE.Box3().setFromObject(character, true);
  character.position.y -= box.min.y;
  character.updateMatrixWorld(true);
  rest = {};
  for (const [name, bone] of Object.entries(bones)) rest[name] = bone.quaternion.clone();
  character.userData.holder = holder;

  camera = new THREE.PerspectiveCamera(cfg.camera.fov, cfg.width / cfg.height, 0.05, 30);
  camera.position.set(cfg.camera.x, cfg.camera.height, cfg.camera.distance);
  camera.lookAt(cfg.camera.x * 0.3, cfg.camera.look_at, 0);
  scene.add(camera);

  const lh = bones.LeftHand.getWorldPosition(new THREE.Vector3());
  const rh = bones.RightHand.getWorldPosition(new THREE.Vector3());
  const gl = renderer.getContext(), dbg = gl.getExtension('WEBGL_debug_renderer_info');
  return { gl: dbg ? gl.getParameter(dbg.UNMASKED_RENDERER_WEBGL) : 'unknown', bones: Object.keys(bones).length, left_hand_x: lh.x, right_hand_x: rh.x, height_box: box.max.y - box.min.y, classes: report };
};

const _v1 = new THREE.Vector3(), _v2 = new THREE.Vector3(), _q = new THREE.Quaternion(), _qp = new THREE.Quaternion();

// Rotate a bone by a world-space rotation q (applied after its current world orientation).
function rotateWorld(bone, q) {
  bone.parent.getWorldQuaternion(_qp);
  const world = bone.getWorldQuaternion(new THREE.Quaternion());
  world.premultiply(q);
  bone.quaternion.copy(_qp.invert().multiply(world));
  bone.updateMatrixWorld(true);
}

// Aim a bone so that its child joint lies along `dir` (a world-space direction).
function aim(name, dir) {
  const bone = bones[name], child = bones[LIMBS[name]];
  if (!bone || !child) return;
  bone.getWorldPosition(_v1); child.getWorldPosition(_v2);
  const cur = _v2.sub(_v1).normalize();
  _q.setFromUnitVectors(cur, dir.clone().normalize());
  rotateWorld(bone, _q);
}

function project(name) {
  const p = bones[name].getWorldPosition(new THREE.Vector3());
  const world = p.clone();
  p.project(camera);
  return [(p.x + 1) / 2 * size.w, (1 - p.y) / 2 * size.h, world.y, p.z];
}

window.renderFrame = function renderFrame(pose) {
  for (const [name, q] of Object.entries(rest)) bones[name].quaternion.copy(q);
  const holder = character.userData.holder;
  // yaw: degrees clockwise seen from above, 0 = facing the camera (+z).
  holder.rotation.set(0, -pose.yaw * DEG, 0);
  holder.position.set(pose.x || 0, 0, pose.z || 0);
  holder.updateMatrixWorld(true);
  const bodyQ = new THREE.Quaternion().setFromEuler(new THREE.Euler(0, -pose.yaw * DEG, 0));
  const up = new THREE.Vector3(0, 1, 0);
  const fwd = new THREE.Vector3(0, 0, 1).applyQuaternion(bodyQ);
  if (pose.hip_roll) rotateWorld(bones.Hips, new THREE.Quaternion().setFromAxisAngle(fwd, pose.hip_roll * DEG));
  if (pose.chest_roll) rotateWorld(bones.Spine1, new THREE.Quaternion().setFromAxisAngle(fwd, pose.chest_roll * DEG));
  if (pose.chest_yaw) rotateWorld(bones.Spine1, new THREE.Quaternion().setFromAxisAngle(up, -pose.chest_yaw * DEG));
  const toWorld = (d) => new THREE.Vector3(d[0], d[1], d[2]).applyQuaternion(bodyQ);
  for (const [name, d] of Object.entries(pose.limbs || {})) aim(name, toWorld(d));
  if (pose.head_yaw || pose.head_pitch || pose.head_roll) {
    const left = new THREE.Vector3(1, 0, 0).applyQuaternion(bodyQ);
    rotateWorld(bones.Neck, new THREE.Quaternion().setFromAxisAngle(up, -0.4 * (pose.head_yaw || 0) * DEG));
    rotateWorld(bones.Head, new THREE.Quaternion().setFromAxisAngle(up, -0.6 * (pose.head_yaw || 0) * DEG));
    rotateWorld(bones.Head, new THREE.Quaternion().setFromAxisAngle(left, (pose.head_pitch || 0) * DEG));
    rotateWorld(bones.Head, new THREE.Quaternion().setFromAxisAngle(fwd, (pose.head_roll || 0) * DEG));
  }
  character.updateMatrixWorld(true);
  renderer.render(scene, camera);
  const joints = {};
  for (const j of JOINTS) if (bones[j]) joints[j] = project(j);
  return { png: renderer.domElement.toDataURL('image/png'), joints };
};

window.bench = function bench(n, pose) {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) { renderer.render(scene, camera); renderer.getContext().finish(); }
  const t1 = performance.now();
  for (let i = 0; i < n; i++) renderer.domElement.toDataURL('image/png');
  return { render_ms: (t1 - t0) / n, png_ms: (performance.now() - t1) / n };
};

window.sceneReady = true;
