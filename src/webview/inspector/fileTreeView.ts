// The file tree of the selected layer (or the merged filesystem up to it), virtualised: only the
// rows in view (plus a few) exist in the DOM, drawn from a pool of row elements that scrolling
// reuses, so a layer of 100,000 files scrolls, filters and expands as quickly as one of ten. The
// tree is one focusable element (role=tree) with aria-activedescendant; arrows, Page Up/Down,
// Home/End, Left/Right and Enter work as in VS Code's own lists.

import { humanSize } from '../../core/format/humanSize';
import { ChangeStatus, formatMode, NodeFlag, nodeStatus, nodeType, NodeType, type CompactTree } from '../../core/layers/compactTree';
import { h, icon, replaceChildren } from './dom';
import { count } from './formatting';
import { helpIcon } from './headerView';
import type { ErrorInfo, TreeView } from './protocol';
import { TreeRows } from './treeRows';
import { pageRows, rowWindow, scrollToReveal } from './virtualWindow';

/** Must match `.tree-row { height }` in inspector.css. */
export const ROW_HEIGHT = 22;
const INDENT = 14;
const FILTER_DELAY_MS = 120;
const STATUS_LETTER = ['', 'A', 'M', 'D'];
const STATUS_CLASS = ['', 'added', 'modified', 'deleted'];
const STATUS_WORD = ['', 'added', 'modified', 'deleted'];

export interface FileTreeActions {
  setView(view: TreeView): void;
  setFilter(text: string): void;
  setChangesOnly(on: boolean): void;
  retry(): void;
}

export interface FileTreeContext {
  layer: number | null;
  layerCount: number;
  step: string;
  view: TreeView;
  filter: string;
  changesOnly: boolean;
}

interface PooledRow {
  element: HTMLElement;
  twisty: HTMLElement;
  mark: HTMLElement;
  name: HTMLElement;
  link: HTMLElement;
  size: HTMLElement;
  mode: HTMLElement;
  owner: HTMLElement;
  source: HTMLElement;
  node: number;
  /** Which tree the row last showed (see FileTreeView.generation). */
  generation: number;
}

export class FileTreeView {
  readonly element = h('section', { class: 'files', 'aria-label': 'Files' });
  private readonly title = h('h2', { class: 'section-title files-title' });
  private readonly layerButton = h('button', { class: 'segment', type: 'button', role: 'radio', id: 'view-layer' }, 'This layer');
  private readonly mergedButton = h('button', { class: 'segment', type: 'button', role: 'radio', id: 'view-merged' }, 'Merged up to here');
  private readonly filterInput = h('input', { class: 'filter', type: 'search', id: 'filter', placeholder: 'Filter by path', 'aria-label': 'Filter files by path', spellcheck: 'false' });
  private readonly changesOnlyBox = h('input', { type: 'checkbox', id: 'changes-only' });
  private readonly countText = h('span', { class: 'files-count muted', 'aria-live': 'polite' });
  private readonly viewport = h('div', { class: 'tree-viewport', role: 'tree', tabindex: 0, 'aria-label': 'Files', 'aria-multiselectable': 'false' });
  private readonly spacer = h('div', { class: 'tree-spacer' });
  private readonly message = h('div', { class: 'tree-message' });
  private readonly pool: PooledRow[] = [];
  private rows: TreeRows | null = null;
  private links = new Map<number, string>();
  private focused = -1;
  private framePending = false;
  private filterTimer: ReturnType<typeof setTimeout> | undefined;
  /** Bumped for every tree shown, so a pooled row never keeps the text of another tree's node with the same index. */
  private generation = 0;

  constructor(private readonly actions: FileTreeActions) {
    const segmented = h('div', { class: 'segmented', role: 'radiogroup', 'aria-label': 'Which files' }, this.layerButton, this.mergedButton);
    this.layerButton.dataset.tip = 'What this layer itself adds, modifies and deletes, with the directories leading there.';
    this.mergedButton.dataset.tip = 'The union filesystem as a container would see it after this layer, with this layer’s changes marked.';
    const expand = h('button', { class: 'text-button', type: 'button' }, icon('expandAll'), 'Expand all');
    const collapse = h('button', { class: 'text-button', type: 'button' }, icon('collapseAll'), 'Collapse all');
    const toolbar = h(
      'div',
      { class: 'files-toolbar' },
      segmented,
      h('div', { class: 'filter-box' }, this.filterInput),
      h('label', { class: 'checkbox', for: 'changes-only' }, this.changesOnlyBox, 'Only changes'),
      h('span', { class: 'tree-actions' }, expand, collapse),
    );
    const header = h(
      'div',
      { class: 'tree-columns', 'aria-hidden': 'true' },
      h('span', { class: 'col-name' }, 'Name'),
      h('span', { class: 'col-size' }, 'Size'),
      h('span', { class: 'col-mode' }, 'Mode'),
      h('span', { class: 'col-owner' }, 'Owner'),
      h('span', { class: 'col-source' }, 'Layer', helpIcon('The layer whose version of the file is shown (for a deleted file, the layer it came from).')),
    );
    const legend = h(
      'div',
      { class: 'legend muted small' },
      h('span', { class: 'mark added' }, 'A'),
      ' added ',
      h('span', { class: 'mark modified' }, 'M'),
      ' modified ',
      h('span', { class: 'mark deleted' }, 'D'),
      ' deleted ',
      h('span', { class: 'mark opaque' }, 'O'),
      ' opaque directory (hides everything below it)',
      h('span', { class: 'spacer' }),
      this.countText,
    );
    this.viewport.append(this.spacer);
    this.element.append(h('div', { class: 'files-head' }, this.title, toolbar), header, h('div', { class: 'tree-frame' }, this.viewport, this.message), legend);

    this.layerButton.addEventListener('click', () => this.actions.setView('layer'));
    this.mergedButton.addEventListener('click', () => this.actions.setView('merged'));
    segmented.addEventListener('keydown', (e) => {
      if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') return;
      e.preventDefault();
      const next = this.mergedButton.getAttribute('aria-checked') === 'true' ? 'layer' : 'merged';
      this.actions.setView(next);
      (next === 'merged' ? this.mergedButton : this.layerButton).focus();
    });
    this.filterInput.addEventListener('input', () => {
      clearTimeout(this.filterTimer);
      // Filtering 100,000 paths takes a few milliseconds; waiting for a pause in typing keeps keys instant.
      this.filterTimer = setTimeout(() => this.actions.setFilter(this.filterInput.value), FILTER_DELAY_MS);
    });
    this.filterInput.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        clearTimeout(this.filterTimer);
        this.actions.setFilter(this.filterInput.value);
      } else if (e.key === 'ArrowDown') {
        e.preventDefault();
        this.viewport.focus();
      }
    });
    this.changesOnlyBox.addEventListener('change', () => this.actions.setChangesOnly(this.changesOnlyBox.checked));
    expand.addEventListener('click', () => this.rows && (this.rows.expandAll(), this.refresh()));
    collapse.addEventListener('click', () => this.rows && (this.rows.collapseAll(), this.refresh()));
    this.viewport.addEventListener('scroll', () => this.schedule());
    this.viewport.addEventListener('keydown', (e) => this.onKey(e));
    this.viewport.addEventListener('click', (e) => this.onClick(e));
    this.viewport.addEventListener('focus', () => {
      if (this.focused < 0 && this.rows && this.rows.rowCount > 0) this.focusRow(this.firstVisibleRow());
      else this.schedule();
    });
    new ResizeObserver(() => this.schedule()).observe(this.viewport);
  }

  /** Updates the title and controls for the current selection (before or without a tree). */
  setContext(context: FileTreeContext): void {
    const what = context.layer === null ? 'Files' : `Layer ${context.layer}`;
    replaceChildren(this.title, h('span', { class: 'files-layer' }, what), context.step ? h('span', { class: 'files-step muted', title: context.step }, context.step) : null);
    this.layerButton.setAttribute('aria-checked', String(context.view === 'layer'));
    this.mergedButton.setAttribute('aria-checked', String(context.view === 'merged'));
    this.layerButton.tabIndex = context.view === 'layer' ? 0 : -1;
    this.mergedButton.tabIndex = context.view === 'merged' ? 0 : -1;
    if (document.activeElement !== this.filterInput && this.filterInput.value !== context.filter) this.filterInput.value = context.filter;
    this.changesOnlyBox.checked = context.changesOnly;
  }

  /** The filter box's text, which may be ahead of the filter applied while the user types. */
  setFilterText(text: string): void {
    clearTimeout(this.filterTimer);
    this.filterInput.value = text;
  }

  showMessage(kind: 'loading' | 'empty' | 'error', text: string, error?: ErrorInfo): void {
    this.rows = null;
    this.focused = -1;
    this.spacer.style.height = '0px';
    for (const row of this.pool) row.element.hidden = true;
    this.viewport.removeAttribute('aria-activedescendant');
    this.countText.textContent = '';
    this.message.className = `tree-message ${kind}`;
    this.message.hidden = false;
    if (kind === 'error') {
      const retry = h('button', { class: 'button secondary small', type: 'button' }, icon('refresh'), 'Retry');
      retry.addEventListener('click', () => this.actions.retry());
      replaceChildren(this.message, h('div', { role: 'alert', class: 'error-text' }, icon('error', 'icon bad'), error?.message ?? text), retry);
    } else {
      replaceChildren(this.message, kind === 'loading' ? h('span', { class: 'spinner', 'aria-hidden': 'true' }) : null, h('span', { role: 'status' }, text));
    }
  }

  /** Shows a tree, keeping the scroll position when it is the same view of the same layer refiltered. */
  showTree(tree: CompactTree, filter: { text: string; changesOnly: boolean }, keepScroll: boolean): void {
    this.rows = new TreeRows(tree, { text: filter.text, changesOnly: filter.changesOnly });
    this.links = new Map(tree.links);
    this.generation++;
    this.focused = -1;
    if (!keepScroll) this.viewport.scrollTop = 0;
    this.refresh();
  }

  /** Applies a new filter to the tree shown. */
  applyFilter(filter: { text: string; changesOnly: boolean }): void {
    if (!this.rows) return;
    const node = this.focusedNode();
    this.rows.setFilter({ text: filter.text, changesOnly: filter.changesOnly });
    this.focused = node >= 0 ? this.rows.rowOf(node) : -1;
    this.viewport.scrollTop = 0;
    this.refresh();
  }

  get hasTree(): boolean {
    return this.rows !== null;
  }

  private refresh(): void {
    const rows = this.rows;
    if (!rows) return;
    this.spacer.style.height = `${rows.rowCount * ROW_HEIGHT}px`;
    const total = Math.max(0, rows.tree.count - 1);
    const filtered = rows.matchCount !== total;
    this.countText.textContent = filtered ? `${count(rows.matchCount)} of ${count(total)} entries shown` : `${count(total)} entries`;
    if (this.focused >= rows.rowCount) this.focused = rows.rowCount - 1;
    if (rows.rowCount === 0) {
      const empty = filtered ? 'Nothing matches the filter.' : rows.tree.view === 'layer' ? 'This layer changes no files.' : 'The filesystem is empty.';
      this.message.className = 'tree-message empty';
      this.message.hidden = false;
      replaceChildren(this.message, h('span', { role: 'status' }, empty));
    } else {
      this.message.hidden = true;
    }
    this.render();
  }

  private schedule(): void {
    if (this.framePending) return;
    this.framePending = true;
    requestAnimationFrame(() => {
      this.framePending = false;
      this.render();
    });
  }

  private render(): void {
    const rows = this.rows;
    if (!rows) return;
    const { start, end } = rowWindow(this.viewport.scrollTop, this.viewport.clientHeight, ROW_HEIGHT, rows.rowCount);
    while (this.pool.length < end - start) this.pool.push(this.newRow());
    let k = 0;
    let activeShown = false;
    for (let r = start; r < end; r++, k++) {
      const row = this.pool[k]!;
      this.fill(row, rows, r);
      const active = r === this.focused;
      row.element.classList.toggle('focused', active);
      if (active) {
        row.element.id = 'tree-active';
        activeShown = true;
      } else if (row.element.id) {
        row.element.removeAttribute('id');
      }
    }
    for (; k < this.pool.length; k++) {
      const row = this.pool[k]!;
      row.element.hidden = true;
      row.node = -1;
      if (row.element.id) row.element.removeAttribute('id');
    }
    if (activeShown) this.viewport.setAttribute('aria-activedescendant', 'tree-active');
    else this.viewport.removeAttribute('aria-activedescendant');
  }

  private newRow(): PooledRow {
    const twisty = h('span', { class: 'twisty' });
    const mark = h('span', { class: 'mark' });
    const name = h('span', { class: 'name-text' });
    const link = h('span', { class: 'link-target' });
    const size = h('span', { class: 'col-size' });
    const mode = h('span', { class: 'col-mode' });
    const owner = h('span', { class: 'col-owner' });
    const source = h('span', { class: 'col-source' });
    const element = h('div', { class: 'tree-row', role: 'treeitem' }, h('span', { class: 'col-name' }, twisty, mark, name, link), size, mode, owner, source);
    this.viewport.appendChild(element);
    return { element, twisty, mark, name, link, size, mode, owner, source, node: -1, generation: -1 };
  }

  private fill(row: PooledRow, rows: TreeRows, r: number): void {
    const node = rows.rows[r]!;
    const { tree } = rows;
    const el = row.element;
    el.hidden = false;
    el.style.transform = `translateY(${r * ROW_HEIGHT}px)`;
    if (row.node === node && row.generation === this.generation) {
      // Same node as last frame: only its expansion can have changed.
      this.fillTwisty(row, rows, node);
      return;
    }
    row.node = node;
    row.generation = this.generation;
    el.dataset.node = String(node);
    const flags = tree.flags[node]!;
    const type = nodeType(flags);
    const status = nodeStatus(flags);
    const depth = rows.depths[node]! - 1;
    // CSSOM, not a style attribute: the Content Security Policy allows the one and blocks the other.
    (el.firstElementChild as HTMLElement).style.paddingLeft = `${4 + depth * INDENT}px`;
    el.setAttribute('aria-level', String(depth + 1));
    el.className = `tree-row ${STATUS_CLASS[status]}${type === NodeType.dir ? ' dir' : ''}${(flags & NodeFlag.implicit) !== 0 ? ' implicit' : ''}`;
    // An opaque directory deletes what lower layers had below it: its own mark explains the
    // deletions counted in Changes (the directory itself may also be added or modified).
    const isOpaque = (flags & NodeFlag.opaque) !== 0;
    row.mark.textContent = isOpaque ? 'O' : STATUS_LETTER[status]!;
    row.mark.className = `mark ${isOpaque ? 'opaque' : STATUS_CLASS[status]}`;
    const name = tree.name[node]!;
    row.name.textContent = type === NodeType.dir ? `${name}/` : name;
    const link = this.links.get(node);
    row.link.textContent = link === undefined ? '' : type === NodeType.hardlink ? `⇒ /${link}` : `→ ${link}`;
    const size = tree.size[node]!;
    // A directory's size counts the files below it; a hard link has no content of its own.
    row.size.textContent = type === NodeType.file || (type === NodeType.dir && size > 0) ? humanSize(size) : type === NodeType.dir ? '' : '—';
    row.mode.textContent = formatMode(type, tree.mode[node]!);
    row.owner.textContent = `${tree.uid[node]}:${tree.gid[node]}`;
    const source = tree.source[node]!;
    row.source.textContent = source >= 0 ? `L${source}` : '';
    const opaque = isOpaque ? ', made opaque by this layer' : '';
    el.setAttribute('aria-label', `${name}${status !== ChangeStatus.unmodified ? `, ${STATUS_WORD[status]}` : ''}${opaque}`);
    if (opaque) row.mark.title = 'Opaque directory (.wh..wh..opq): this layer deleted everything lower layers had in it';
    else row.mark.removeAttribute('title');
    this.fillTwisty(row, rows, node);
  }

  private fillTwisty(row: PooledRow, rows: TreeRows, node: number): void {
    if (rows.hasChildren(node)) {
      const expanded = rows.isExpanded(node);
      row.element.setAttribute('aria-expanded', String(expanded));
      if (row.twisty.dataset.state !== String(expanded)) {
        row.twisty.dataset.state = String(expanded);
        replaceChildren(row.twisty, icon(expanded ? 'chevronDown' : 'chevronRight'));
      }
    } else {
      row.element.removeAttribute('aria-expanded');
      if (row.twisty.dataset.state !== 'none') {
        row.twisty.dataset.state = 'none';
        row.twisty.replaceChildren();
      }
    }
  }

  private onClick(e: MouseEvent): void {
    const rows = this.rows;
    const target = e.target instanceof Element ? e.target.closest<HTMLElement>('.tree-row') : null;
    if (!rows || !target || target.dataset.node === undefined) return;
    const node = Number(target.dataset.node);
    const row = rows.rowOf(node);
    if (row < 0) return;
    this.focused = row;
    if (rows.hasChildren(node)) {
      rows.setExpanded(node, !rows.isExpanded(node));
      this.refresh();
    } else {
      this.render();
    }
    this.viewport.focus({ preventScroll: true });
  }

  private onKey(e: KeyboardEvent): void {
    const rows = this.rows;
    if (!rows || rows.rowCount === 0) return;
    const last = rows.rowCount - 1;
    const current = this.focused < 0 ? this.firstVisibleRow() : this.focused;
    const node = rows.rows[current]!;
    const page = pageRows(this.viewport.clientHeight, ROW_HEIGHT);
    let next: number | undefined;
    switch (e.key) {
      case 'ArrowDown':
        next = Math.min(last, this.focused < 0 ? current : current + 1);
        break;
      case 'ArrowUp':
        next = Math.max(0, current - 1);
        break;
      case 'PageDown':
        next = Math.min(last, current + page);
        break;
      case 'PageUp':
        next = Math.max(0, current - page);
        break;
      case 'Home':
        next = 0;
        break;
      case 'End':
        next = last;
        break;
      case 'ArrowRight':
        if (rows.hasChildren(node)) {
          if (!rows.isExpanded(node)) {
            rows.setExpanded(node, true);
            this.focused = current;
            this.refresh();
          } else {
            next = Math.min(last, current + 1);
          }
        }
        break;
      case 'ArrowLeft':
        if (rows.hasChildren(node) && rows.isExpanded(node)) {
          rows.setExpanded(node, false);
          this.focused = current;
          this.refresh();
        } else {
          const parent = rows.parentOf(node);
          if (parent >= 0) next = rows.rowOf(parent);
        }
        break;
      case 'Enter':
      case ' ':
        if (rows.hasChildren(node)) {
          rows.setExpanded(node, !rows.isExpanded(node));
          this.focused = current;
          this.refresh();
        }
        break;
      default:
        return;
    }
    e.preventDefault();
    if (next !== undefined && next >= 0) this.focusRow(next);
  }

  private focusRow(row: number): void {
    this.focused = row;
    const top = scrollToReveal(row, this.viewport.scrollTop, this.viewport.clientHeight, ROW_HEIGHT);
    if (top !== this.viewport.scrollTop) this.viewport.scrollTop = top;
    this.render();
  }

  private firstVisibleRow(): number {
    return Math.min(Math.max(0, (this.rows?.rowCount ?? 1) - 1), Math.ceil(this.viewport.scrollTop / ROW_HEIGHT));
  }

  private focusedNode(): number {
    return this.rows && this.focused >= 0 ? (this.rows.rows[this.focused] ?? -1) : -1;
  }
}
