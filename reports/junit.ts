/**
 * JUnit XML of gate results, for CI systems that show test reports. One test case per gate;
 * a failed gate is a <failure>, and so is an inconclusive one (type="inconclusive"): a gate
 * that could not show it passes must not appear green. `lab gate`'s exit code still tells them
 * apart (10 vs 11).
 */
import type { GateResult } from '../lab/gates/verdict.js';

const xml = (s: string): string =>
  s
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');

/** A JUnit XML document with one testsuite named after the scenario. */
export function renderJunit(results: readonly GateResult[], suite: string, timestamp = new Date().toISOString()): string {
  const failures = results.filter((r) => r.verdict !== 'pass').length;
  const cases = results.map((r) => {
    const open = `    <testcase classname="${xml(`${suite}.${r.kind}`)}" name="${xml(r.name)}" time="0">`;
    if (r.verdict === 'pass') return `${open}\n      <system-out>${xml(r.message)}</system-out>\n    </testcase>`;
    return `${open}\n      <failure type="${r.verdict}" message="${xml(`${r.verdict}: ${r.message}`)}">${xml(r.message)}</failure>\n    </testcase>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="lab gate" tests="${results.length}" failures="${failures}" errors="0">
  <testsuite name="${xml(suite)}" tests="${results.length}" failures="${failures}" errors="0" skipped="0" timestamp="${xml(timestamp)}">
${cases.join('\n')}
  </testsuite>
</testsuites>
`;
}
