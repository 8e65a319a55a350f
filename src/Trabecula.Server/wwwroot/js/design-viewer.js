// The design review's 3D viewer (R-DES-1): three.js with OrbitControls (rotate, zoom, pan), a
// section plane along the model's height, distance measurement between two picked points,
// comments pinned to a picked point, and the comparison colour map (per-corner surface deviation
// computed on the server). Loaded as a module; 'three' resolves through the page's import map
// (allowed by its CSP hash), the loaders by their relative paths under /lib/three.
// Markup: #design-viewer[data-model][data-format][data-pins][data-compare][data-pin-list].
import * as THREE from 'three';
import { OrbitControls } from '/lib/three/examples/jsm/controls/OrbitControls.js';
import { STLLoader } from '/lib/three/examples/jsm/loaders/STLLoader.js';
import { ThreeMFLoader } from '/lib/three/examples/jsm/loaders/3MFLoader.js';
import { AMFLoader } from '/lib/three/examples/jsm/loaders/AMFLoader.js';

const host = document.getElementById('design-viewer');
const status = document.getElementById('viewer-status');
const state = { ready: false, triangles: 0, distanceMm: null, pins: 0, compared: false, error: null };
window.designViewer = state;

const token = () => document.querySelector('input[name="__RequestVerificationToken"]')?.value ?? '';
const say = (text) => { if (status) { status.textContent = text; } };

async function start() {
  if (!host) { return; }
  say(status?.dataset.loading ?? '');
  const canvas = document.getElementById('viewer-canvas');
  let renderer;
  try {
    renderer = new THREE.WebGLRenderer({ canvas, antialias: true, preserveDrawingBuffer: true });
  } catch (e) {
    state.error = 'webgl';
    say(status?.dataset.noWebgl ?? 'WebGL unavailable');
    return;
  }

  renderer.localClippingEnabled = true;
  const scene = new THREE.Scene();
  scene.background = new THREE.Color(0xf4f6f8);
  const camera = new THREE.PerspectiveCamera(40, 1, 0.1, 10000);
  scene.add(new THREE.HemisphereLight(0xffffff, 0x667788, 1.2));
  const sun = new THREE.DirectionalLight(0xffffff, 1.6);
  scene.add(sun);
  const controls = new OrbitControls(camera, canvas);
  controls.enableDamping = false;

  const response = await fetch(host.dataset.model, { credentials: 'same-origin' });
  if (!response.ok) { state.error = 'http ' + response.status; say(state.error); return; }
  const bytes = await response.arrayBuffer();
  const format = host.dataset.format;
  const plane = new THREE.Plane(new THREE.Vector3(0, 0, -1), 0);
  const material = new THREE.MeshStandardMaterial({ color: 0xc9b98f, metalness: 0.2, roughness: 0.6, side: THREE.DoubleSide, clippingPlanes: [] });
  const object = new THREE.Group();
  if (format === 'stl') {
    const geometry = new STLLoader().parse(bytes);
    geometry.computeVertexNormals();
    object.add(new THREE.Mesh(geometry, material));
  } else {
    const loaded = format === '3mf' ? new ThreeMFLoader().parse(bytes) : new AMFLoader().parse(bytes);
    loaded.traverse((child) => { if (child.isMesh) { child.material = material; } });
    object.add(loaded);
  }
  scene.add(object);

  const meshes = [];
  object.traverse((child) => { if (child.isMesh) { meshes.push(child); } });
  state.triangles = meshes.reduce((n, m) => n + (m.geometry.index ? m.geometry.index.count : m.geometry.attributes.position.count) / 3, 0);
  const box = new THREE.Box3().setFromObject(object);
  const size = box.getSize(new THREE.Vector3());
  const center = box.getCenter(new THREE.Vector3());
  const radius = Math.max(size.x, size.y, size.z) || 1;

  function frame() {
    controls.target.copy(center);
    camera.position.set(center.x + radius * 1.2, center.y - radius * 1.6, center.z + radius * 1.1);
    camera.up.set(0, 0, 1);
    camera.near = radius / 100; camera.far = radius * 100; camera.updateProjectionMatrix();
    controls.update();
  }
  frame();

  function resize() {
    const w = host.clientWidth, h = host.clientHeight;
    renderer.setSize(w, h, false);
    camera.aspect = w / h; camera.updateProjectionMatrix();
  }
  window.addEventListener('resize', resize);
  resize();

  // The section plane keeps what lies below the chosen height.
  const section = document.getElementById('viewer-section');
  const height = document.getElementById('viewer-section-height');
  function applySection() {
    plane.constant = box.min.z + (size.z * Number(height.value)) / 1000;
    material.clippingPlanes = section.checked ? [plane] : [];
    material.needsUpdate = true;
  }
  section?.addEventListener('change', applySection);
  height?.addEventListener('input', applySection);
  document.getElementById('viewer-reset')?.addEventListener('click', frame);

  // Picking: measurement takes two points, a pin one.
  const raycaster = new THREE.Raycaster();
  const marker = new THREE.SphereGeometry(radius / 150, 12, 8);
  const markerMaterial = new THREE.MeshBasicMaterial({ color: 0xd6336c });
  let mode = null;
  let first = null;
  let line = null;
  function pick(event) {
    const rect = canvas.getBoundingClientRect();
    const pointer = new THREE.Vector2(((event.clientX - rect.left) / rect.width) * 2 - 1, -((event.clientY - rect.top) / rect.height) * 2 + 1);
    raycaster.setFromCamera(pointer, camera);
    const hit = raycaster.intersectObjects(meshes, false).find((h) => !section.checked || h.point.z <= plane.constant + 1e-6);
    return hit ? hit.point.clone() : null;
  }
  function dot(point, color) {
    const m = new THREE.Mesh(marker, color ? new THREE.MeshBasicMaterial({ color }) : markerMaterial);
    m.position.copy(point);
    scene.add(m);
    return m;
  }
  document.getElementById('viewer-measure')?.addEventListener('click', () => { mode = 'measure'; first = null; });
  document.getElementById('viewer-pin')?.addEventListener('click', () => { mode = 'pin'; });
  canvas.addEventListener('click', async (event) => {
    if (!mode) { return; }
    const point = pick(event);
    if (!point) { return; }
    if (mode === 'measure') {
      dot(point);
      if (!first) { first = point; return; }
      if (line) { scene.remove(line); }
      line = new THREE.Line(new THREE.BufferGeometry().setFromPoints([first, point]), new THREE.LineBasicMaterial({ color: 0xd6336c }));
      scene.add(line);
      state.distanceMm = first.distanceTo(point);
      document.getElementById('viewer-distance').textContent = state.distanceMm.toFixed(2) + ' mm';
      first = null; mode = null;
    } else if (mode === 'pin') {
      const text = document.getElementById('viewer-pin-text').value.trim();
      if (!text) { return; }
      const saved = await fetch(host.dataset.pins, {
        method: 'POST', credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-TOKEN': token() },
        body: JSON.stringify({ x: point.x, y: point.y, z: point.z, text }),
      });
      if (saved.ok) {
        dot(point, 0x1971c2);
        const li = document.createElement('li');
        li.className = 'pin';
        li.textContent = '📍 ' + text + ' · (' + point.x.toFixed(1) + ', ' + point.y.toFixed(1) + ', ' + point.z.toFixed(1) + ') mm';
        document.getElementById('pin-list').appendChild(li);
        state.pins++;
      }
      mode = null;
    }
  });
  for (const pin of JSON.parse(host.dataset.pinList || '[]')) { dot(new THREE.Vector3(pin.X, pin.Y, pin.Z), 0x1971c2); state.pins++; }

  // Comparison: colour each corner by its distance to the previous version (blue 0 → red at the maximum).
  document.getElementById('viewer-compare')?.addEventListener('click', async () => {
    const result = await fetch(host.dataset.compare, { credentials: 'same-origin' });
    if (!result.ok) { return; }
    const c = await result.json();
    document.getElementById('compare-result').textContent =
      `Δ volume ${c.volumeChangeMm3.toFixed(1)} mm³ · max ${c.maxDeviationMm.toFixed(3)} mm · mean ${c.meanDeviationMm.toFixed(3)} mm · rms ${c.rmsDeviationMm.toFixed(3)} mm · ` +
      `${c.from.triangles} → ${c.to.triangles} triangles`;
    const mesh = meshes[0];
    const corners = c.cornerDeviationMm;
    if (format === 'stl' && corners && mesh.geometry.attributes.position.count === corners.length) {
      const colors = new Float32Array(corners.length * 3);
      const color = new THREE.Color();
      for (let i = 0; i < corners.length; i++) {
        color.setHSL(0.66 * (1 - Math.min(1, corners[i] / (c.maxDeviationMm || 1))), 0.9, 0.5);
        colors.set([color.r, color.g, color.b], i * 3);
      }
      mesh.geometry.setAttribute('color', new THREE.BufferAttribute(colors, 3));
      material.vertexColors = true;
      material.color.set(0xffffff);
      material.needsUpdate = true;
    }
    state.compared = true;
  });

  function render() {
    sun.position.copy(camera.position);
    renderer.render(scene, camera);
    requestAnimationFrame(render);
  }
  render();
  say('');
  state.ready = true;
}

start().catch((e) => { state.error = String(e); say(String(e)); });
