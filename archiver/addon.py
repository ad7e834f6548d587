"""Where ``ADDONS = {"archiver.addon.Archiver": 0}`` finds the add-on; it lives in :mod:`archiver.crawl.addon`."""

from archiver.crawl.addon import Archiver

__all__ = ["Archiver"]
