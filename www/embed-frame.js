// The embedded side of an iframe: reports the page's content height to the parent page whenever
// it changes, as `{ type: 'recon-align:height', panel, height }` (CSS pixels, a whole number), and
// nothing else. The host page's optional script (www/embed.js) sizes the iframe from it.

/** The `type` of the one message an embed sends. */
export const HEIGHT_MESSAGE = 'recon-align:height';

/** The height of the page's content: from the top of the document to the bottom of <body>. */
function contentHeight() {
  return Math.ceil(document.body.getBoundingClientRect().bottom + window.scrollY);
}

/** Starts reporting the height of embedded panel `panel`, when this page is framed. */
export function reportHeight(panel) {
  if (window.parent === window) return;
  let sent = -1;
  const send = () => {
    const height = contentHeight();
    if (height === sent) return;
    sent = height;
    window.parent.postMessage({ type: HEIGHT_MESSAGE, panel, height }, '*');
  };
  new ResizeObserver(send).observe(document.body);
  send();
}
