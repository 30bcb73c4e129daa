import { html } from "lit/html.js";

// Icons are inline SVG, drawn in `currentColor` by the stylesheet and hidden from assistive technology:
// the text next to them (or the star's `aria-label`) says what they mean.

/** A rating star. */
export const STAR = html`<svg viewBox="0 0 24 24" aria-hidden="true"><path d="m12 2.8 2.8 5.8 6.3.8-4.6 4.4 1.2 6.3L12 17l-5.7 3.1 1.2-6.3-4.6-4.4 6.3-.8z"/></svg>`;
/** The check mark of the thank-you message. */
export const CHECK = html`<svg viewBox="0 0 24 24" aria-hidden="true"><circle cx="12" cy="12" r="10"/><path d="m7.5 12.5 3 3 6-6.5"/></svg>`;
/** The alert sign of the error message. */
export const ALERT = html`<svg viewBox="0 0 24 24" aria-hidden="true"><circle cx="12" cy="12" r="10"/><path d="M12 7v6.5m0 3v.5"/></svg>`;
