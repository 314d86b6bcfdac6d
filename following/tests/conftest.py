# The real-browser fixture of the portal's browser tests (Debian's chromium through Playwright).
from portal.tests.conftest import browser  # noqa: F401
