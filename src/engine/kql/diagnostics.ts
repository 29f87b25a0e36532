import type { Span } from './ast';

/**
 * Stable diagnostic codes. A code never changes meaning once shipped; tests and the UI key on it.
 * KQL1xx: lexical, KQL2xx: syntax, KQL3xx: unsupported construct, KQL4xx: binding / types.
 */
export type DiagnosticCode =
  | 'KQL101' // unterminated string literal
  | 'KQL102' // unexpected character
  | 'KQL103' // malformed number, datetime or timespan literal
  | 'KQL201' // expected token / construct
  | 'KQL202' // unexpected token
  | 'KQL203' // malformed dynamic literal
  | 'KQL301' // operator outside the supported subset
  | 'KQL302' // function outside the supported subset
  | 'KQL303' // syntax outside the supported subset
  | 'KQL401' // unknown name (table, column, let)
  | 'KQL402' // type mismatch
  | 'KQL403' // wrong argument count
  | 'KQL404' // invalid join condition
  | 'KQL405' // tabular expression where a scalar is expected (or the reverse)
  | 'KQL406'; // other semantic error

export interface Diagnostic {
  readonly code: DiagnosticCode;
  readonly severity: 'error' | 'warning';
  readonly message: string;
  readonly span: Span;
  /** 1-based line and column (UTF-16 code units) of `span.start`. */
  readonly line: number;
  readonly column: number;
}

/** 1-based line and column of a UTF-16 offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

export function makeDiagnostic(
  text: string,
  code: DiagnosticCode,
  message: string,
  span: Span,
  severity: 'error' | 'warning' = 'error',
): Diagnostic {
  const { line, column } = lineColumn(text, span.start);
  return { code, severity, message, span, line, column };
}

/** `3:14 KQL401 error: ...`, the form the CLI prints. */
export function formatDiagnostic(d: Diagnostic, file?: string): string {
  const where = file ? `${file}:${d.line}:${d.column}` : `${d.line}:${d.column}`;
  return `${where}: ${d.severity} ${d.code}: ${d.message}`;
}
