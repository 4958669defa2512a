// recon-align's optional host script: include it once on a page that embeds recon-align iframes
// (`<iframe data-recon-align src="…">`) and each such iframe takes the height of its content.
// It listens for `{ type: 'recon-align:height', panel, height }` and resizes only the
// iframe[data-recon-align] whose window sent it, when the message comes from that iframe's own
// origin (the origin of its src). Every other message is ignored. A classic script, no globals.
(() => {
  const TYPE = 'recon-align:height';
  const MAX_HEIGHT = 100000;
  window.addEventListener('message', (event) => {
    const msg = event.data;
    if (!msg || typeof msg !== 'object' || msg.type !== TYPE) return;
    const height = msg.height;
    if (typeof height !== 'number' || !Number.isFinite(height) || height <= 0 || height > MAX_HEIGHT) return;
    for (const frame of document.querySelectorAll('iframe[data-recon-align]')) {
      if (frame.contentWindow !== event.source) continue;
      let origin;
      try {
        origin = new URL(frame.src, document.baseURI).origin;
      } catch {
        continue;
      }
      if (origin !== event.origin) continue;
      frame.style.height = `${Math.ceil(height)}px`;
    }
  });
})();
