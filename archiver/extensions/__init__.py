"""Import paths of our extensions from before :mod:`archiver.crawl`; they keep working."""
