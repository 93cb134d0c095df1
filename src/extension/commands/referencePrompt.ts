// The image-name prompt of Pull: validates what is typed against the reference grammar, and once a
// repository name is recognised, suggests its tags from the registry (fetched once per repository,
// after typing pauses). Recently pulled names come first.

import * as vscode from 'vscode';
import { errorMessage } from '../../core/errors';
import { listTags } from '../../core/registry/pagedLists';
import { familiarName, familiarString, parseReference, tryParseReference } from '../../core/reference/reference';
import type { Services } from '../services';

interface ReferenceItem extends vscode.QuickPickItem {
  reference?: string;
}

const HISTORY_KEY = 'stevedore.pullHistory';
const HISTORY_SIZE = 10;
const TAG_SUGGESTIONS = 200;
const TYPING_PAUSE_MS = 350;

export function rememberPull(services: Services, reference: string): void {
  const history = pullHistory(services).filter((r) => r !== reference);
  void services.context.globalState.update(HISTORY_KEY, [reference, ...history].slice(0, HISTORY_SIZE));
}

function pullHistory(services: Services): string[] {
  const list = services.context.globalState.get<unknown>(HISTORY_KEY, []);
  return Array.isArray(list) ? list.filter((r): r is string => typeof r === 'string') : [];
}

export function promptImageReference(services: Services, title: string): Promise<string | undefined> {
  const qp = vscode.window.createQuickPick<ReferenceItem>();
  qp.title = title;
  qp.placeholder = 'redis, redis:7, ghcr.io/owner/app:1.0, localhost:5000/team/app@sha256:…';
  qp.ignoreFocusOut = true;
  const tagCache = new Map<string, string[]>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let fetching = 0;

  const render = (): void => {
    const value = qp.value.trim();
    const items: ReferenceItem[] = [];
    if (value) {
      const ref = tryParseReference(value, { defaultTag: false });
      if (ref) {
        items.push({ label: value, description: ref.tag || ref.digest ? 'Pull this image' : 'Pull (tag latest)', alwaysShow: true, reference: value });
        const repo = familiarName(ref);
        for (const tag of tagCache.get(repo) ?? []) {
          const name = `${repo}:${tag}`;
          if (name !== value) items.push({ label: name, description: 'tag in the registry', reference: name });
        }
      } else {
        let problem = 'not a valid image reference';
        try {
          parseReference(value);
        } catch (err) {
          problem = errorMessage(err);
        }
        items.push({ label: `$(error) ${value}`, description: problem, alwaysShow: true });
      }
    }
    const history = pullHistory(services).filter((r) => r !== value);
    if (history.length) {
      items.push({ label: 'recently pulled', kind: vscode.QuickPickItemKind.Separator });
      for (const r of history) items.push({ label: r, description: 'pulled before', reference: r });
    }
    qp.items = items;
  };

  const fetchTags = (): void => {
    const ref = tryParseReference(qp.value.trim(), { defaultTag: false });
    if (!ref || ref.digest) return;
    const repo = familiarName(ref);
    if (tagCache.has(repo)) return;
    tagCache.set(repo, []);
    fetching++;
    qp.busy = true;
    listTags(services.registries.get().for(ref.domain), ref.path, { limit: TAG_SUGGESTIONS })
      .then((tags) => {
        tagCache.set(repo, [...tags].sort((a, b) => b.localeCompare(a, undefined, { numeric: true })));
        render();
      })
      .catch((err: unknown) => services.log.debug(`no tag suggestions for ${repo}: ${errorMessage(err)}`))
      .finally(() => {
        fetching--;
        qp.busy = fetching > 0;
      });
  };

  return new Promise((resolve) => {
    let settled = false;
    const finish = (value: string | undefined): void => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      resolve(value);
      qp.dispose();
    };
    qp.onDidChangeValue(() => {
      render();
      if (timer) clearTimeout(timer);
      timer = setTimeout(fetchTags, TYPING_PAUSE_MS);
    });
    qp.onDidAccept(() => {
      const item = qp.selectedItems[0] ?? qp.activeItems[0];
      const chosen = item?.reference ?? (tryParseReference(qp.value.trim()) ? qp.value.trim() : undefined);
      if (!chosen) return; // an invalid name stays in the box with its problem shown
      finish(familiarString(parseReference(chosen, { defaultTag: false })));
    });
    qp.onDidHide(() => finish(undefined));
    render();
    qp.show();
  });
}
