/** The application's name and version, from package.json (bundled in, so no file read at run time). */
import pkg from '../../package.json';

export const APP_NAME = 'StackLab';
export const APP_VERSION: string = pkg.version;
