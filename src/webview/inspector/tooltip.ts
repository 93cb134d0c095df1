// Hover and focus explanations: any element with `data-tip` shows its text in one floating box,
// styled like VS Code's hovers and kept inside the panel. (The native `title` tooltip cannot be
// themed, wraps badly for a paragraph, and never shows on keyboard focus.)

const SHOW_DELAY_MS = 250;
const MARGIN = 8;

export function installTooltips(root: HTMLElement): void {
  const tip = document.createElement('div');
  tip.className = 'tooltip';
  tip.setAttribute('role', 'tooltip');
  tip.id = 'inspector-tooltip';
  tip.hidden = true;
  root.appendChild(tip);
  let current: HTMLElement | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const hide = (): void => {
    clearTimeout(timer);
    current?.removeAttribute('aria-describedby');
    current = null;
    tip.hidden = true;
  };
  const show = (target: HTMLElement, delay: number): void => {
    if (current === target) return;
    hide();
    current = target;
    timer = setTimeout(() => {
      if (current !== target || !target.isConnected) return;
      tip.textContent = target.dataset.tip ?? '';
      tip.hidden = false;
      target.setAttribute('aria-describedby', tip.id);
      place(tip, target.getBoundingClientRect());
    }, delay);
  };
  const targetOf = (event: Event): HTMLElement | null => (event.target instanceof Element ? (event.target.closest('[data-tip]') as HTMLElement | null) : null);

  document.addEventListener('pointerover', (e) => {
    const target = targetOf(e);
    if (target) show(target, SHOW_DELAY_MS);
    else if (current && !(e.target instanceof Node && tip.contains(e.target))) hide();
  });
  document.addEventListener('focusin', (e) => {
    const target = targetOf(e);
    // Keyboard focus only: a button keeps the focus after a click, and its tip would stay up.
    if (target && target.matches(':focus-visible')) show(target, 0);
    else hide();
  });
  document.addEventListener('pointerdown', hide);
  document.addEventListener('focusout', hide);
  document.addEventListener('scroll', hide, true);
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') hide();
  });
}

function place(tip: HTMLElement, anchor: DOMRect): void {
  const width = Math.min(420, window.innerWidth - 2 * MARGIN);
  tip.style.maxWidth = `${width}px`;
  const box = tip.getBoundingClientRect();
  const left = Math.max(MARGIN, Math.min(anchor.left, window.innerWidth - box.width - MARGIN));
  const below = anchor.bottom + 6;
  const top = below + box.height + MARGIN <= window.innerHeight ? below : Math.max(MARGIN, anchor.top - box.height - 6);
  tip.style.left = `${left}px`;
  tip.style.top = `${top}px`;
}
