/** Saves text as a file through a same-origin Blob URL (no network, CSP-safe). */
export function downloadText(name: string, parts: readonly BlobPart[], type: string): void {
  const url = URL.createObjectURL(new Blob([...parts], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  // Revoke later: some browsers start reading the URL only after click() returns.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** An SVG element as a standalone file (its presentation attributes carry the styling). */
export function downloadSvg(name: string, svg: SVGSVGElement | null): void {
  if (!svg) return;
  const clone = svg.cloneNode(true) as SVGSVGElement;
  clone.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  clone.setAttribute('font-family', 'system-ui, sans-serif');
  // On the page the white comes from CSS; a standalone file needs its own (dark viewers, slides).
  const bg = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
  bg.setAttribute('width', '100%');
  bg.setAttribute('height', '100%');
  bg.setAttribute('fill', '#ffffff');
  clone.insertBefore(bg, clone.firstChild);
  downloadText(name, [new XMLSerializer().serializeToString(clone)], 'image/svg+xml');
}

/** A file-name-safe timestamp for export names. */
export function stamp(): string {
  return new Date().toISOString().replace(/[:.]/g, '-');
}
