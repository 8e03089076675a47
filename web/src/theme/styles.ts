// Theming: every colour, radius and font is a CSS custom property named
// `--cw-*`. Custom properties inherit through shadow roots, so a page themes
// the UI with plain CSS on the element or any ancestor:
//
//   chinwag-inbox { --cw-accent: #0b7a53; --cw-radius: 4px; }
//
// `theme="dark"` (or `"auto"`, which follows the system) switches the
// defaults. Colour pairs keep a contrast of at least 4.5:1 (WCAG AA).

import { css } from "lit";

export const tokens = css`
  :host {
    --_bg: var(--cw-bg, #ffffff);
    --_fg: var(--cw-fg, #1b1f24);
    --_muted: var(--cw-muted, #56606b);
    --_border: var(--cw-border, #d5dae0);
    --_panel: var(--cw-panel, #f5f7f9);
    --_hover: var(--cw-hover, #eaeef2);
    --_accent: var(--cw-accent, #1d5bc7);
    --_accent-fg: var(--cw-accent-fg, #ffffff);
    --_bubble: var(--cw-bubble, #eaeef2);
    --_bubble-fg: var(--cw-bubble-fg, #1b1f24);
    --_bubble-me: var(--cw-bubble-me, var(--_accent));
    --_bubble-me-fg: var(--cw-bubble-me-fg, var(--_accent-fg));
    --_system: var(--cw-system, #fdf6e3);
    --_system-fg: var(--cw-system-fg, #5c4a12);
    --_badge: var(--cw-badge, #c4251b);
    --_badge-fg: var(--cw-badge-fg, #ffffff);
    --_online: var(--cw-online, #12864a);
    --_danger: var(--cw-danger, #b42318);
    --_radius: var(--cw-radius, 14px);
    --_font: var(--cw-font, system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif);
    --_font-size: var(--cw-font-size, 15px);
    --_focus: var(--cw-focus, #1d5bc7);
    color-scheme: var(--cw-color-scheme, light);
    font-family: var(--_font);
    font-size: var(--_font-size);
    color: var(--_fg);
  }
`;

/**
 * The themes, on the public elements only: they set the public `--cw-*`
 * properties, which inherit into every inner element. A page's own
 * `--cw-*` rules on the element still win over these (outer styles beat
 * `:host` rules).
 */
export const themes = css`
  :host([theme="dark"]) {
    --cw-bg: #15181c;
    --cw-fg: #e7eaee;
    --cw-muted: #a2acb7;
    --cw-border: #343a42;
    --cw-panel: #1d2126;
    --cw-hover: #272c33;
    --cw-accent: #8ab4ff;
    --cw-accent-fg: #0b1a33;
    --cw-bubble: #2a3038;
    --cw-bubble-fg: #e7eaee;
    --cw-system: #2e2a1c;
    --cw-system-fg: #efdca4;
    --cw-badge: #ff8a80;
    --cw-badge-fg: #2b0a07;
    --cw-online: #4ade80;
    --cw-danger: #ff8a80;
    --cw-focus: #8ab4ff;
    --cw-color-scheme: dark;
  }
  @media (prefers-color-scheme: dark) {
    :host([theme="auto"]) {
      --cw-bg: #15181c;
    --cw-fg: #e7eaee;
    --cw-muted: #a2acb7;
    --cw-border: #343a42;
    --cw-panel: #1d2126;
    --cw-hover: #272c33;
    --cw-accent: #8ab4ff;
    --cw-accent-fg: #0b1a33;
    --cw-bubble: #2a3038;
    --cw-bubble-fg: #e7eaee;
    --cw-system: #2e2a1c;
    --cw-system-fg: #efdca4;
    --cw-badge: #ff8a80;
    --cw-badge-fg: #2b0a07;
    --cw-online: #4ade80;
    --cw-danger: #ff8a80;
    --cw-focus: #8ab4ff;
    --cw-color-scheme: dark;
    }
  }
`;

/** Resets and small shared pieces: buttons, avatars, badges, the visually-hidden helper. */
export const base = css`
  *,
  *::before,
  *::after {
    box-sizing: border-box;
  }
  button {
    font: inherit;
    color: inherit;
    background: none;
    border: 0;
    padding: 0;
    cursor: pointer;
  }
  button:focus-visible,
  a:focus-visible,
  input:focus-visible,
  textarea:focus-visible,
  [tabindex]:focus-visible {
    outline: 2px solid var(--_focus);
    outline-offset: 2px;
  }
  .sr-only {
    position: absolute;
    width: 1px;
    height: 1px;
    margin: -1px;
    padding: 0;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
    border: 0;
  }
  .avatar {
    position: relative;
    flex: none;
    width: var(--size, 40px);
    height: var(--size, 40px);
    border-radius: 50%;
    background: var(--_hover);
    color: var(--_fg);
    display: inline-grid;
    place-items: center;
    font-size: calc(var(--size, 40px) * 0.4);
    font-weight: 600;
    user-select: none;
  }
  .avatar img {
    width: 100%;
    height: 100%;
    border-radius: 50%;
    object-fit: cover;
  }
  .avatar .dot {
    position: absolute;
    inset-inline-end: 0;
    bottom: 0;
    width: 28%;
    height: 28%;
    border-radius: 50%;
    background: var(--_online);
    border: 2px solid var(--_bg);
  }
  .badge {
    display: inline-grid;
    place-items: center;
    min-width: 20px;
    height: 20px;
    padding: 0 6px;
    border-radius: 10px;
    background: var(--_badge);
    color: var(--_badge-fg);
    font-size: 12px;
    font-weight: 700;
    line-height: 1;
  }
  .muted {
    color: var(--_muted);
  }
  .icon-button {
    display: inline-grid;
    place-items: center;
    min-width: 36px;
    min-height: 36px;
    border-radius: 8px;
  }
  .icon-button:hover {
    background: var(--_hover);
  }
  svg {
    width: 20px;
    height: 20px;
    fill: none;
    stroke: currentColor;
    stroke-width: 2;
    stroke-linecap: round;
    stroke-linejoin: round;
  }
`;
