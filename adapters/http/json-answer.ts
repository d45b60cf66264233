/** An outside system's answer body as JSON, or undefined when it is empty or not JSON (an HTML error page from a proxy …): the caller decides what that means. */
export function jsonOrUndefined(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
