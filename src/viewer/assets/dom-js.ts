/**
 * dom.js: the one way the viewer builds elements. Run data is untrusted, so it only ever becomes
 * Text nodes (Element.append of a string) or attribute values set with setAttribute; nothing is
 * parsed as HTML.
 */
export const DOM_JS = String.raw`
/**
 * h('div', { class: 'x', title: t, onclick: f }, child, [more children], 'text'):
 * strings become Text nodes; null, undefined and false are skipped.
 */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  appendAll(el, children);
  return el;
}

export function appendAll(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

/** Replaces every child of el. */
export function fill(el, ...children) {
  el.replaceChildren();
  return appendAll(el, children);
}
`;
