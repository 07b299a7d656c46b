#!/usr/bin/env bash
# Makes Debian's Chromium available for the dashboard's browser test (Playwright drives it; no
# browser download of Playwright's own). Installs the `chromium` package when it is missing and
# apt is usable; otherwise it says why (the browser test then fails with a clear message).
set -uo pipefail
if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "services: chromium is missing and cannot be installed here (need root and apt-get); the dashboard browser test will fail" >&2
  exit 0
fi
echo "services: installing Debian's chromium for the browser test" >&2
(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) ||
  echo "services: installing chromium failed; the dashboard browser test will fail" >&2
exit 0
