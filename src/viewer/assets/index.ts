import { APP_JS } from './app-js.js';
import { DETAIL_JS } from './detail-js.js';
import { DOM_JS } from './dom-js.js';
import { ICON_SVG } from './icon-svg.js';
import { MODEL_JS } from './model-js.js';
import { PAGE_HTML } from './page-html.js';
import { STYLES_CSS } from './styles-css.js';

/**
 * The viewer's files, kept as string constants so the bundler puts them in dist/cli.js: the
 * package needs no asset directory and no build step of its own. The client modules are plain
 * JavaScript in `String.raw` templates, so they must contain no backtick and no `${`.
 */
export interface ViewerAsset {
  type: string;
  body: string;
}

const js = (body: string): ViewerAsset => ({ type: 'text/javascript; charset=utf-8', body });

export const VIEWER_ASSETS: { page: ViewerAsset; files: ReadonlyMap<string, ViewerAsset> } = {
  page: { type: 'text/html; charset=utf-8', body: PAGE_HTML },
  /** By file name under /_viewer/. */
  files: new Map([
    ['app.js', js(APP_JS)],
    ['detail.js', js(DETAIL_JS)],
    ['dom.js', js(DOM_JS)],
    ['model.js', js(MODEL_JS)],
    ['viewer.css', { type: 'text/css; charset=utf-8', body: STYLES_CSS }],
    ['icon.svg', { type: 'image/svg+xml', body: ICON_SVG }],
  ]),
};
