/**
 * The web console's files, by the path each is served at. They are TypeScript strings rather
 * than files beside the code so that the compiled package carries them with nothing to copy.
 */
import { APP_JS } from './appJs.ts';
import { INDEX_HTML } from './indexHtml.ts';
import { STYLE_CSS } from './styleCss.ts';

export interface ConsoleAsset {
  contentType: string;
  body: string;
}

export const CONSOLE_ASSETS: Readonly<Record<string, ConsoleAsset>> = {
  '/': { contentType: 'text/html; charset=utf-8', body: INDEX_HTML },
  '/console/app.js': { contentType: 'text/javascript; charset=utf-8', body: APP_JS },
  '/console/style.css': { contentType: 'text/css; charset=utf-8', body: STYLE_CSS },
};
