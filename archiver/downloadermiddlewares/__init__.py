"""Import paths of our downloader middlewares from before :mod:`archiver.crawl`; they keep working."""
