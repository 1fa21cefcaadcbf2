// Building the page. Every piece of text goes in through `textContent`, never
// through HTML parsing, so a customer named `<script>` is just a name.

export type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

/** `h('button.primary#save', {onclick: f}, 'Save')` */
export function h(tag: string, attrs: Attrs = {}, ...children: (Child | Child[])[]): HTMLElement {
  const m = /^([a-z0-9]+)?((?:[.#][\w-]+)*)$/i.exec(tag);
  if (!m) throw new Error(`bad tag ${tag}`);
  const el = document.createElement(m[1] || 'div');
  for (const part of m[2].match(/[.#][\w-]+/g) ?? []) {
    if (part[0] === '.') el.classList.add(part.slice(1));
    else el.id = part.slice(1);
  }
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') {
      el.addEventListener(k.slice(2), v as EventListener);
    } else if (k === 'value' && (el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement)) {
      el.value = String(v);
    } else if (v === true) {
      el.setAttribute(k, '');
    } else {
      el.setAttribute(k, String(v));
    }
  }
  append(el, children);
  return el;
}

export function append(el: Element, children: (Child | Child[])[]): void {
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

export function clear(el: Element): void {
  while (el.firstChild) el.firstChild.remove();
}

export function $(sel: string, root: ParentNode = document): HTMLElement {
  const el = root.querySelector(sel);
  if (!el) throw new Error(`missing ${sel}`);
  return el as HTMLElement;
}

/** The value of a named field of a form, trimmed. */
export function field(form: HTMLFormElement, name: string): string {
  const el = form.elements.namedItem(name);
  if (el instanceof HTMLInputElement && el.type === 'checkbox') return el.checked ? 'true' : '';
  if (el && 'value' in el) return String((el as unknown as { value: string }).value).trim();
  return '';
}

/** Labelled input; `name` is the API field it fills. */
export function input(label: string, name: string, attrs: Attrs = {}): HTMLElement {
  return h('label.field', {}, h('span', {}, label), h('input', { name, ...attrs }));
}

export function select(label: string, name: string, options: [string, string][], attrs: Attrs = {}): HTMLElement {
  const { value, ...rest } = attrs;
  const el = h('select', { name, ...rest }, options.map(([v, t]) => h('option', { value: v }, t))) as HTMLSelectElement;
  // After the options exist: a value set before them selects nothing.
  if (value !== undefined && value !== null) el.value = String(value);
  return h('label.field', {}, h('span', {}, label), el);
}

export function textarea(label: string, name: string, attrs: Attrs = {}): HTMLElement {
  return h('label.field', {}, h('span', {}, label), h('textarea', { name, rows: 3, ...attrs }));
}

/** A small message that fades; errors stay until the next one. */
export function toast(text: string, kind: 'ok' | 'error' = 'ok'): void {
  const box = document.getElementById('toast');
  if (!box) return;
  box.textContent = text;
  box.className = `toast ${kind}`;
  box.hidden = false;
  if (kind === 'ok') {
    const t = text;
    setTimeout(() => {
      if (box.textContent === t) box.hidden = true;
    }, 2500);
  }
}
