import { existsSync } from 'node:fs';
import path from 'node:path';

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Markdown without fenced code blocks and inline code: shell examples may name any URL. */
function prose(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '');
}

/**
 * Every place where a Markdown file of this repository points outside it: links and bare URLs to
 * other hosts (localhost is this service), relative links that climb out of the repository or name
 * a file it does not hold, and mentions of the design page outside the repository.
 */
export function linksOutside(markdown: string, file: string, repoRoot: string): string[] {
  const problems: string[] = [];
  const text = prose(markdown);
  const targets = [
    ...[...text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]),
    ...[...text.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s.*)?$/gm)].map((m) => m[1]),
    ...[...text.matchAll(/<((?:https?|ftp):\/\/[^>\s]+)>/g)].map((m) => m[1]),
    ...[...text.matchAll(/(?<![(<])\b(?:https?|ftp):\/\/[^\s)>\]]+/g)].map((m) =>
      m[0].replace(/[.,;:!?]+$/, ''),
    ),
  ];
  for (const target of new Set(targets)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) {
      let host = '';
      try {
        host = new URL(target).hostname;
      } catch {
        // not a URL a reader could follow either
      }
      if (!/^https?:$/i.test(target.split('//')[0]) || !LOCAL_HOSTS.has(host))
        problems.push(`${file}: ${target} leaves the repository`);
      continue;
    }
    if (target.startsWith('#')) continue;
    const relative = decodeURIComponent(target.split('#')[0].split('?')[0]);
    const resolved = path.resolve(repoRoot, path.dirname(file), relative);
    if (resolved !== repoRoot && !resolved.startsWith(repoRoot + path.sep))
      problems.push(`${file}: ${target} points outside the repository`);
    else if (!existsSync(resolved)) problems.push(`${file}: ${target} does not exist in the repository`);
  }
  for (const m of markdown.matchAll(/\.\.\/shared\b|\bDESIGN\.md\b|\bDOMAIN\.md\b/g))
    problems.push(`${file}: "${m[0]}" names a page outside the repository (the contract is in docs/)`);
  return problems;
}
