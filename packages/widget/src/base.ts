import { render } from "lit/html.js";

/**
 * Where there is no DOM (server-side rendering, Node tests) the element class must still be definable;
 * it is simply never instantiated there.
 */
const HTMLElementBase: typeof HTMLElement =
  globalThis.HTMLElement ?? (class {} as unknown as typeof HTMLElement);

/** The constructed stylesheet, shared by every instance. */
let sheet: CSSStyleSheet | undefined;

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/**
 * A small reactive custom element rendering lit-html templates into an open shadow root: the part of
 * Lit's `ReactiveElement` this widget uses. Declared properties re-render on change (batched into one
 * microtask); attributes map to properties; properties set before the element was upgraded are kept.
 * It exists for the size budget: `LitElement` adds about 2.3 KB min+gzip to a 15 KB bundle.
 *
 * Subclasses list `static attributes` (camelCase properties backed by kebab-case attributes, as
 * strings), `static state` (properties only) and `static styles`; the stylesheet is built once, for the
 * one element class this package defines.
 */
export abstract class ReactiveShadowElement extends HTMLElementBase {
  /** Reactive properties backed by attributes: `projectKey` ↔ `project-key`. */
  static attributes: readonly string[] = [];
  /** Reactive properties without attributes. */
  static state: readonly string[] = [];
  /** The shadow root's CSS. */
  static styles = "";

  static get observedAttributes(): string[] {
    // biome-ignore lint/complexity/noThisInStatic: each subclass declares its own attributes.
    return this.attributes.map(kebab);
  }

  /** Resolves after the pending render (or at once when none is pending). */
  updateComplete: Promise<void> = Promise.resolve();
  #values: Record<string, unknown> = {};
  #pending = false;
  #root?: ShadowRoot;

  constructor() {
    super();
    const ctor = this.constructor as typeof ReactiveShadowElement;
    const proto = ctor.prototype as unknown as Record<string, unknown>;
    for (const name of [...ctor.attributes, ...ctor.state]) {
      if (!Object.hasOwn(proto, name)) {
        Object.defineProperty(proto, name, {
          get(this: ReactiveShadowElement) {
            return this.#values[name];
          },
          set(this: ReactiveShadowElement, value: unknown) {
            if (this.#values[name] === value) return;
            this.#values[name] = value;
            this.requestUpdate();
          },
        });
      }
      // A property set on the element before it was upgraded shadows the accessor: move it over.
      if (Object.hasOwn(this, name)) {
        const value = (this as unknown as Record<string, unknown>)[name];
        delete (this as unknown as Record<string, unknown>)[name];
        (this as unknown as Record<string, unknown>)[name] = value;
      }
    }
  }

  connectedCallback(): void {
    if (!this.#root) {
      this.#root = this.attachShadow({ mode: "open" });
      const css = (this.constructor as typeof ReactiveShadowElement).styles;
      try {
        if (!sheet) {
          sheet = new CSSStyleSheet();
          sheet.replaceSync(css);
        }
        this.#root.adoptedStyleSheets = [sheet];
      } catch {
        // No constructable stylesheets (Safari before 16.4): a <style> element instead.
        const style = document.createElement("style");
        style.textContent = css;
        this.#root.append(style);
      }
    }
    this.requestUpdate();
  }

  attributeChangedCallback(attribute: string, _old: string | null, value: string | null): void {
    const name = (this.constructor as typeof ReactiveShadowElement).attributes.find(
      (a) => kebab(a) === attribute,
    );
    if (name) (this as unknown as Record<string, unknown>)[name] = value ?? undefined;
  }

  /** The shadow root the element renders into. */
  get renderRoot(): ShadowRoot | undefined {
    return this.#root;
  }

  /** Schedule a render in a microtask; calls in the same task share it. */
  requestUpdate(): void {
    if (this.#pending) return;
    this.#pending = true;
    this.updateComplete = Promise.resolve().then(() => {
      const root = this.#root;
      // Properties set in willUpdate are part of this render, not a new one.
      if (root) this.willUpdate();
      this.#pending = false;
      if (!root) return;
      render(this.render(), root, { host: this });
      this.updated();
    });
  }

  /** Before each render: derive state from changed properties. */
  protected willUpdate(): void {}
  /** The template of the current state. */
  protected abstract render(): unknown;
  /** After each render: focus, side effects. */
  protected updated(): void {}
}
