// Dark defaults, used both for `theme="dark"` and for a dark system preference without `theme="light"`.
// Public custom properties win in both themes; set dark-specific values in your own dark-mode rule.
const dark = `
  --_bg: var(--aftercall-bg, #17191c);
  --_fg: var(--aftercall-fg, #e6e9ed);
  --_muted: var(--aftercall-muted, #a3acb8);
  --_border: var(--aftercall-border, #6f7782);
  --_accent: var(--aftercall-accent, #7cb0ff);
  --_on-accent: var(--aftercall-on-accent, #0b1526);
  --_star: var(--aftercall-star, #f5b83d);
  --_error: var(--aftercall-error, #ff8f86);
  color-scheme: dark;
`;

/**
 * The shadow root's stylesheet. Logical properties throughout, so right-to-left layouts mirror. The
 * build strips its whitespace (vite.config.ts), so it is written for reading.
 */
export const styles = `
  :host {
    display: block;
  }
  :host([hidden]) {
    display: none;
  }
  .card {
    --_bg: var(--aftercall-bg, #fff);
    --_fg: var(--aftercall-fg, #1f2328);
    --_muted: var(--aftercall-muted, #57606a);
    --_border: var(--aftercall-border, #8c959f);
    --_accent: var(--aftercall-accent, #1f5fd6);
    --_on-accent: var(--aftercall-on-accent, #fff);
    --_star: var(--aftercall-star, #d97706);
    --_error: var(--aftercall-error, #b42318);
    --_radius: var(--aftercall-radius, 12px);
    --_line: color-mix(in srgb, var(--_fg) 14%, transparent);
    color-scheme: light;
    font: 1rem/1.45 var(--aftercall-font, system-ui, sans-serif);
    max-inline-size: var(--aftercall-max-width, 34rem);
    padding: 1.25rem;
    border: 1px solid var(--_line);
    border-radius: var(--_radius);
    background: var(--_bg);
    color: var(--_fg);
    box-shadow: 0 1px 3px #0002;
  }
  .dark {
    ${dark}
  }
  @media (prefers-color-scheme: dark) {
    .card:not(.light) {
      ${dark}
    }
  }
  .card:empty {
    min-block-size: 6rem;
  }
  * {
    box-sizing: border-box;
    margin: 0;
  }
  h2 {
    font-size: 1.25rem;
    margin-block-end: 1rem;
  }
  h3 {
    font-size: 1rem;
    margin-block-end: 0.5rem;
  }
  .cat + .cat {
    border-block-start: 1px solid var(--_line);
    margin-block-start: 1rem;
    padding-block-start: 1rem;
  }
  .rating,
  .chips,
  .actions,
  .msg {
    display: flex;
    flex-wrap: wrap;
    gap: 0.5rem;
  }
  .actions {
    justify-content: flex-end;
    margin-block-start: 1.25rem;
  }
  button {
    font: inherit;
    color: inherit;
    cursor: pointer;
    border: 1px solid var(--_border);
    border-radius: calc(var(--_radius) * 0.66);
    background: none;
    min-block-size: 2.75rem;
    min-inline-size: 2.75rem;
    padding-inline: 0.75rem;
  }
  .actions button {
    font-weight: 600;
    padding-inline: 1.125rem;
  }
  :disabled {
    cursor: not-allowed;
    opacity: 0.55;
  }
  :focus-visible {
    outline: 2px solid var(--_accent);
    outline-offset: 2px;
  }
  [aria-checked="true"],
  .primary {
    background: var(--_accent);
    border-color: var(--_accent);
    color: var(--_on-accent);
  }
  /* Up to 11 numbers share one row (0–10); longer scales wrap. */
  .numbers {
    gap: 0.25rem;
  }
  .numbers:not(.wrap) {
    flex-wrap: nowrap;
  }
  .numbers button {
    flex: 1;
    min-inline-size: 1.75rem;
    max-inline-size: 3.5rem;
    padding: 0;
  }
  .stars {
    gap: 0.125rem;
  }
  .stars button {
    border: 0;
    padding: 0;
    background: none;
    color: var(--_muted);
  }
  /* Stars fill up to the choice and, with a mouse, up to the hovered one. */
  .stars .on {
    --fill: currentColor;
    color: var(--_star);
  }
  @media (hover: hover) {
    .stars:hover button {
      --fill: currentColor;
      color: var(--_star);
    }
    .stars button:hover ~ button {
      --fill: none;
      color: var(--_muted);
    }
  }
  svg {
    display: block;
    margin: auto;
    inline-size: 2.25rem;
    block-size: 2.25rem;
    fill: var(--fill, none);
    stroke: currentColor;
    stroke-width: 1.5;
    stroke-linejoin: round;
  }
  .muted,
  .ends,
  .invalid,
  .counter {
    color: var(--_muted);
    font-size: 0.875rem;
  }
  .ends {
    display: flex;
    justify-content: space-between;
  }
  .invalid {
    color: var(--_error);
    margin-block-start: 0.25rem;
  }
  fieldset {
    border: 0;
    padding: 0;
    min-inline-size: 0;
  }
  fieldset,
  label.text {
    margin-block-start: 0.875rem;
  }
  legend,
  label.text {
    display: block;
    margin-block-end: 0.375rem;
    padding: 0;
    font-size: 0.875rem;
    font-weight: 600;
  }
  .tag {
    display: inline-flex;
    align-items: center;
    gap: 0.5rem;
    padding: 0.375rem 0.75rem;
    border: 1px solid var(--_border);
    border-radius: 2rem;
    cursor: pointer;
  }
  .tag.on {
    border-color: var(--_accent);
    background: color-mix(in srgb, var(--_accent) 14%, transparent);
  }
  input {
    flex: none;
    accent-color: var(--_accent);
    inline-size: 1rem;
    block-size: 1rem;
  }
  textarea {
    display: block;
    inline-size: 100%;
    min-block-size: 2.75rem;
    max-block-size: 12rem;
    field-sizing: content;
    padding: 0.5rem;
    border: 1px solid var(--_border);
    border-radius: calc(var(--_radius) * 0.5);
    background: none;
    color: inherit;
    font: inherit;
    resize: vertical;
  }
  .counter {
    text-align: end;
    font-size: 0.75rem;
  }
  .msg {
    flex-wrap: nowrap;
    gap: 0.75rem;
  }
  .msg svg {
    flex: none;
    margin: 0;
    color: var(--_accent);
    stroke-width: 2;
  }
  .error svg {
    color: var(--_error);
  }
  .title {
    font-weight: 650;
    font-size: 1.125rem;
    margin-block: 0.25rem;
  }
  .vh {
    position: absolute;
    inline-size: 1px;
    block-size: 1px;
    overflow: hidden;
    clip-path: inset(50%);
    white-space: nowrap;
  }
`;
