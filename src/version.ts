import fs from 'node:fs';

/** The application's name and version, from package.json (one level above both src/ and dist/). */
const pkg = JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { name: string; version: string };

export const APP_NAME: string = pkg.name;
export const APP_VERSION: string = pkg.version;
