import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ruhu.settings")
django.setup(set_prefix=False)

from ruhu.common.handler import RuhuHandler  # noqa: E402 (needs the apps loaded)

# get_wsgi_application() with two middleware chains (ruhu.common.handler)
application = RuhuHandler()
