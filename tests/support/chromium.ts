import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';

/**
 * Debian's chromium driven by playwright-core, for the browser specs. Without it the suite is
 * skipped with a hint — unless REQUIRE_BROWSER=1 (what .ci/run sets), then it fails.
 */
export async function launchChromiumOrSkip(context: Mocha.Context): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    if (process.env.REQUIRE_BROWSER === '1') throw new Error(`REQUIRE_BROWSER=1 but ${CHROMIUM} is missing: apt-get install -y chromium`);
    console.warn(`    (skipped: no ${CHROMIUM}; apt-get install -y chromium to run the browser specs, REQUIRE_BROWSER=1 makes this a failure)`);
    context.skip();
  }
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}
