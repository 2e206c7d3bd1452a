export interface AsciiOptions { width?: number; unicode?: boolean }
export function renderAscii(_input: unknown, _options: AsciiOptions = {}): string { return ""; }
