// A few DOM helpers for the inspector webview: elements built with text nodes (never innerHTML, so
// nothing from an image — file names, build steps — is ever parsed as markup), and the handful of
// icons it needs as inline SVG, which the Content Security Policy allows where a font or an inline
// style would not.

type Attributes = Record<string, string | number | boolean | undefined | null>;
type Child = Node | string | null | undefined | false;

/** `h('button', { class: 'copy', title: 'Copy' }, 'text', child)`; `false`/null attributes are left out. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Attributes = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, ...children);
  return element;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  }
}

export function replaceChildren(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, ...children);
}

const SVG = 'http://www.w3.org/2000/svg';

// 16×16 outlines in the spirit of VS Code's codicons, drawn with the current text colour.
const ICON_PATHS = {
  copy: 'M4 4h1V2.5A1.5 1.5 0 0 1 6.5 1h6A1.5 1.5 0 0 1 14 2.5v8a1.5 1.5 0 0 1-1.5 1.5H11v1.5A1.5 1.5 0 0 1 9.5 15h-6A1.5 1.5 0 0 1 2 13.5v-8A1.5 1.5 0 0 1 3.5 4H4zm2 0h3.5A1.5 1.5 0 0 1 11 5.5V11h1.5a.5.5 0 0 0 .5-.5v-8a.5.5 0 0 0-.5-.5h-6a.5.5 0 0 0-.5.5V4zM3.5 5a.5.5 0 0 0-.5.5v8a.5.5 0 0 0 .5.5h6a.5.5 0 0 0 .5-.5v-8a.5.5 0 0 0-.5-.5h-6z',
  check: 'M13.65 3.65a.5.5 0 0 1 .7.7l-7.5 7.5a.5.5 0 0 1-.7 0l-3.5-3.5a.5.5 0 1 1 .7-.7L6.5 10.79l7.15-7.14z',
  error: 'M8 1a7 7 0 1 1 0 14A7 7 0 0 1 8 1zm0 1a6 6 0 1 0 0 12A6 6 0 0 0 8 2zm2.65 2.65a.5.5 0 0 1 .7.7L8.71 8l2.64 2.65a.5.5 0 0 1-.7.7L8 8.71l-2.65 2.64a.5.5 0 0 1-.7-.7L7.29 8 4.65 5.35a.5.5 0 1 1 .7-.7L8 7.29l2.65-2.64z',
  warning: 'M8.57 1.86a.65.65 0 0 0-1.14 0l-6.35 11.5A.65.65 0 0 0 1.65 14.3h12.7a.65.65 0 0 0 .57-.94L8.57 1.86zM8 2.9l5.83 10.4H2.17L8 2.9zM7.5 6h1v4h-1V6zm0 5h1v1h-1v-1z',
  info: 'M8 1a7 7 0 1 1 0 14A7 7 0 0 1 8 1zm0 1a6 6 0 1 0 0 12A6 6 0 0 0 8 2zm-.5 5h1v5h-1V7zm0-2.5h1v1.2h-1V4.5z',
  chevronRight: 'M6.15 3.15a.5.5 0 0 1 .7 0l4.5 4.5a.5.5 0 0 1 0 .7l-4.5 4.5a.5.5 0 0 1-.7-.7L10.29 8 6.15 3.85a.5.5 0 0 1 0-.7z',
  chevronDown: 'M3.15 6.15a.5.5 0 0 1 .7 0L8 10.29l4.15-4.14a.5.5 0 0 1 .7.7l-4.5 4.5a.5.5 0 0 1-.7 0l-4.5-4.5a.5.5 0 0 1 0-.7z',
  shield: 'M8 1l6 2.2v4.3c0 3.6-2.5 6.3-6 7.5-3.5-1.2-6-3.9-6-7.5V3.2L8 1zm0 1.07L3 3.9v3.6c0 3 2 5.3 5 6.43 3-1.13 5-3.43 5-6.43V3.9L8 2.07zm2.65 3.58a.5.5 0 0 1 .7.7l-4 4a.5.5 0 0 1-.7 0l-2-2a.5.5 0 1 1 .7-.7L7 9.29l3.65-3.64z',
  stop: 'M4 4h8v8H4z',
  expandAll: 'M6 8.5h6v1H6zM8.5 6h1v2.5h-1zM8.5 9.5h1v2.5h-1zM5 3h8a2 2 0 0 1 2 2v8a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm0 1a1 1 0 0 0-1 1v8a1 1 0 0 0 1 1h8a1 1 0 0 0 1-1V5a1 1 0 0 0-1-1H5zM1 1h9v1H1v9H0V2a1 1 0 0 1 1-1z',
  collapseAll: 'M6 8.5h6v1H6zM5 3h8a2 2 0 0 1 2 2v8a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm0 1a1 1 0 0 0-1 1v8a1 1 0 0 0 1 1h8a1 1 0 0 0 1-1V5a1 1 0 0 0-1-1H5zM1 1h9v1H1v9H0V2a1 1 0 0 1 1-1z',
  refresh: 'M13.45 5.17A6 6 0 1 0 14 8h-1a5 5 0 1 1-.86-2.8l-1.8.01v1h3.5V2.7h-1v2.47z',
} as const;

export type IconName = keyof typeof ICON_PATHS;

export function icon(name: IconName, className = 'icon'): SVGSVGElement {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('class', className);
  svg.setAttribute('viewBox', '0 0 16 16');
  svg.setAttribute('width', '16');
  svg.setAttribute('height', '16');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  const path = document.createElementNS(SVG, 'path');
  path.setAttribute('d', ICON_PATHS[name]);
  path.setAttribute('fill', 'currentColor');
  path.setAttribute('fill-rule', 'evenodd');
  svg.appendChild(path);
  return svg;
}
