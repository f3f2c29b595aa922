// Renders posed frames of scene.html in headless Chromium (SwiftShader), one PNG per frame.
//
// usage: node render.mjs MODELS_DIR JOB.json [JOB.json ...]
// Each job is {"config": {...}, "frames": [pose, ...], "out_dir": "..."}; the PNGs go to
// out_dir/00000.png ... and the joints' image positions to out_dir/joints.json. The page is
// served from 127.0.0.1 on an ephemeral port; nothing else is contacted.
import { createServer } from 'node:http';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { extname, join, normalize, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer from 'puppeteer-core';

const HERE = dirname(fileURLToPath(import.meta.url));
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.glb': 'model/gltf-binary', '.json': 'application/json' };

function serve(modelsDir) {
  const server = createServer(async (req, res) => {
    const url = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const root = url.startsWith('/models/') ? modelsDir : HERE;
    const rel = url.startsWith('/models/') ? url.slice('/models/'.length) : url.slice(1);
    const path = normalize(join(root, rel));
    if (!path.startsWith(resolve(root))) { res.writeHead(403).end(); return; }
    try {
      const body = await readFile(path);
      res.writeHead(200, { 'content-type': TYPES[extname(path)] || 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(server)));
}

async function main() {
  const [modelsDir, ...jobs] = process.argv.slice(2);
  if (!modelsDir || !jobs.length) throw new Error('usage: node render.mjs MODELS_DIR JOB.json [JOB.json ...]');
  const server = await serve(resolve(modelsDir));
  const port = server.address().port;
  const browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    protocolTimeout: 0,
    // llvmpipe (Mesa, under the Xvfb that generate.py starts) is several times faster than SwiftShader.
    args: ['--no-sandbox', '--no-first-run', '--disable-extensions', '--disable-background-networking', '--ignore-gpu-blocklist',
      ...(process.env.SYNTH_GL === 'llvmpipe' ? ['--use-angle=gl', '--use-gl=angle'] : ['--use-angle=swiftshader', '--enable-unsafe-swiftshader'])],
  });
  try {
    for (const jobPath of jobs) {
      const job = JSON.parse(await readFile(jobPath, 'utf8'));
      await mkdir(job.out_dir, { recursive: true });
      const page = await browser.newPage();
      const errors = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      page.on('console', (m) => { if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text()); });
      page.on('response', (r) => { if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) errors.push(`${r.status()} ${r.url()}`); });
      await page.setViewport({ width: job.config.width, height: job.config.height });
      await page.goto(`http://127.0.0.1:${port}/scene.html`);
      await page.waitForFunction('window.sceneReady === true', { timeout: 60000 });
      const info = await page.evaluate((cfg) => window.setup(cfg), job.config);
      if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
      const joints = [];
      const t0 = Date.now();
      for (let i = 0; i < job.frames.length; i++) {
        const out = await page.evaluate((pose) => window.renderFrame(pose), job.frames[i]);
        const b64 = out.png.slice(out.png.indexOf(',') + 1);
        await writeFile(join(job.out_dir, String(i).padStart(5, '0') + '.png'), Buffer.from(b64, 'base64'));
        joints.push(out.joints);
      }
      if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
      await writeFile(join(job.out_dir, 'joints.json'), JSON.stringify({ info, joints }));
      process.stderr.write(`${job.out_dir}: ${job.frames.length} frames in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
      await page.close();
    }
  } finally {
    await browser.close();
    server.close();
  }
}

main().catch((e) => { process.stderr.write(`render failed: ${e.stack || e}\n`); process.exit(1); });
