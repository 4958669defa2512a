// Shared set-up for the browser tests: Debian's Chromium driven by playwright-core (never a
// downloaded browser), headless, with or without WebGPU.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BASE_URL = process.env.RECON_ALIGN_URL ?? 'http://127.0.0.1:8000/';
export const ARTIFACTS = join(dirname(fileURLToPath(import.meta.url)), 'artifacts');
mkdirSync(ARTIFACTS, { recursive: true });

const COMMON_FLAGS = [
  '--no-sandbox', '--disable-background-networking', '--disable-component-update',
  '--no-first-run', '--disable-sync', '--disable-quic',
];

/** Launches Chromium; `webgpu` adds --enable-unsafe-webgpu (SwiftShader adapter in headless). */
export async function launch({ webgpu }) {
  const args = webgpu
    ? [...COMMON_FLAGS, '--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-angle=swiftshader', '--use-webgpu-adapter=swiftshader']
    : COMMON_FLAGS;
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args,
  });
}

/** Opens a page, collecting console errors and uncaught exceptions for later assertions. */
export async function openPage(browser, hash = '', viewport = { width: 1200, height: 900 }) {
  const page = await browser.newPage({ viewport });
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  await page.goto(BASE_URL + (hash ? `#${hash}` : ''));
  return { page, problems };
}
