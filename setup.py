"""Only for Scrapyd: ``scrapyd-deploy`` builds its egg with ``python setup.py bdist_egg``.

Everything, the ``scrapy`` entry point through which Scrapyd finds
``archiver.settings`` included, is declared in pyproject.toml.
"""

from setuptools import setup

setup()
