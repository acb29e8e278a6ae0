// Terminal colour codes belong on terminals: container logs (Immich's logger colours every line) and browser
// call logs carry them, and reports, fault causes and log files get plain text.
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;?]*[A-Za-z]/g;

export const stripAnsi = (text: string): string => text.replace(ANSI, '');
